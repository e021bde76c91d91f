"""One small interface for what the poller reads ("printer links"): 3D printers'
servers, and smart relays on machines without an API.

Each kind (``octoprint``, ``moonraker``, ``prusalink``, ``shelly``) is a module, built
on the helpers here and found through ``printer_kinds`` (above them all), with:

* ``fetch(target) -> snapshot``: the network part, outside any transaction; a
  snapshot has ``error`` (an English message id, translated when shown, or "")
  and ``detail`` (the technical reason: HTTP status, network error);
* ``apply_snapshot(link=, snapshot=, now=) -> sessions``: the database part;
* ``check(url=, api_key=, username=)``: tries the address and the key before a
  link is saved; raises :class:`LinkFailure`.

The HTTP helper below is shared: the key goes in ``X-Api-Key``, or with a user
name (PrusaLink) as the password of HTTP digest authentication.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

import sqlalchemy as sa

from fablab.extensions import db
from fablab.usage.models import PrinterKind, PrinterLink
from fablab.usage.services import N_

TIMEOUT_SECONDS = 5

UNREACHABLE = N_("Cannot reach the printer's server.")
KEY_REFUSED = N_("The printer's server refused the API key.")
BAD_ANSWER = N_("The printer's server answered with an error.")
NOT_THIS_KIND = N_("This address does not answer like this kind of printer server.")

KIND_LABELS = {
    PrinterKind.OCTOPRINT.value: "OctoPrint",
    PrinterKind.MOONRAKER.value: "Moonraker (Klipper)",
    PrinterKind.PRUSALINK.value: "PrusaLink",
    PrinterKind.SHELLY.value: "Shelly relay",
}


class LinkFailure(Exception):
    """The server did not answer usefully: ``message`` is a message id, ``detail`` technical."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """What the network part needs of a link (read before the transaction ends)."""

    id: int
    kind: str
    url: str
    api_key: str
    username: str = ""


def get_json(target: Target, path: str, *, accept_statuses=(200,)) -> tuple[int, dict]:
    """GET ``path``; 401/403 raise KEY_REFUSED, network errors UNREACHABLE; other
    statuses outside ``accept_statuses`` raise BAD_ANSWER. 204 gives ``{}``."""
    url = target.url.rstrip("/") + path
    request = urllib.request.Request(  # noqa: S310  (http(s) checked when the link is saved)
        url, headers={"Accept": "application/json"}
    )
    handlers = []
    if target.username:
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, target.url, target.username, target.api_key)
        handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
    else:
        request.add_header("X-Api-Key", target.api_key)
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, b""
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        raise LinkFailure(UNREACHABLE, f"{url}: {getattr(error, 'reason', error)}") from None
    if status in (401, 403):
        raise LinkFailure(KEY_REFUSED, f"HTTP {status} on {path}")
    if status not in accept_statuses:
        wrong_kind = status == 404  # no such route: another kind of server, or none
        raise LinkFailure(NOT_THIS_KIND if wrong_kind else BAD_ANSWER, f"HTTP {status} on {path}")
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise LinkFailure(NOT_THIS_KIND, f"{path} did not answer JSON") from None
    if not isinstance(body, dict):
        raise LinkFailure(NOT_THIS_KIND, f"{path} did not answer a JSON object")
    return status, body


def session_source(kind: str) -> str:
    """The source of the sessions a link of ``kind`` records (a relay's: ``device``)."""
    return "device" if kind == PrinterKind.SHELLY else kind


def targets_to_poll() -> list[Target]:
    rows = db.session.execute(
        sa.select(
            PrinterLink.id,
            PrinterLink.kind,
            PrinterLink.url,
            PrinterLink.api_key,
            PrinterLink.username,
        )
        .where(PrinterLink.enabled)
        .order_by(PrinterLink.id)
    ).all()
    return [Target(r.id, r.kind, r.url, r.api_key, r.username) for r in rows]


def record_outcome(link: PrinterLink, snapshot, now) -> None:
    """What every poll notes on the link, whatever its kind."""
    link.last_polled_at = now
    link.last_error = snapshot.error
    link.last_error_detail = snapshot.detail if snapshot.error else ""
    if not snapshot.error:
        link.last_contact_at = now


def failing_links() -> list[PrinterLink]:
    """Enabled links whose last poll failed, for the managers' notice."""
    return list(
        db.session.scalars(
            sa.select(PrinterLink)
            .where(PrinterLink.enabled, PrinterLink.last_error != "")
            .order_by(PrinterLink.id)
        )
    )


def all_links() -> list[PrinterLink]:
    return list(db.session.scalars(sa.select(PrinterLink).order_by(PrinterLink.id)))
