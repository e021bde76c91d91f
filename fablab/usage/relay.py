"""Sessions of machines without an API (laser cutters, CNC mills) from a smart relay.

A Shelly plug or relay (Gen2 and later) on the machine's power line answers
``GET /rpc/Switch.GetStatus?id=0`` with ``output`` (relay closed) and ``apower``
(watts drawn). The poller reads it like a printer's server:

* the machine counts as running while it draws at least ``USAGE_POWER_ON_WATTS``
  (default 20 W; a relay without a meter: while ``output`` is on);
* a session opens only once it has run for ``USAGE_POWER_MIN_SECONDS`` (default
  60 s), starting when the power rose: a spike is not a session;
* it closes when the power has stayed low for ``USAGE_POWER_OFF_GRACE_SECONDS``
  (default 120 s, so a pause between two cuts does not split a job), ending
  when the power fell;
* the person is the booker of the booking running when it started, else the
  lab's account, flagged for review. Sessions have the source ``device``.

What the poller is waiting for is kept in the link's ``last_job_key``:
``relay-on:<unix time>`` (power seen rising) or ``relay-off:<unix time>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

from fablab.usage.models import PrinterLink, UsageSession, UsageSource
from fablab.usage.printers import NOT_THIS_KIND, LinkFailure, Target, get_json, record_outcome
from fablab.usage.printjobs import NO_ACCOUNT, default_user, print_user
from fablab.usage.services import N_, _close, open_session_for, start_session

STATUS = "/rpc/Switch.GetStatus?id=0"
NO_BOOKING = N_("Used without a booking: recorded for the lab's account, check who used it.")


@dataclass
class Snapshot:
    output: bool = False
    watts: float | None = None
    error: str = ""
    detail: str = ""


def fetch(target: Target) -> Snapshot:
    try:
        _status, body = get_json(target, STATUS)
        if not isinstance(body.get("output"), bool):
            raise LinkFailure(NOT_THIS_KIND, f"{STATUS} has no output")
        watts = body.get("apower")
        return Snapshot(
            output=body["output"], watts=watts if isinstance(watts, (int, float)) else None
        )
    except LinkFailure as failure:
        return Snapshot(error=failure.message, detail=failure.detail)


def check(target: Target) -> None:
    fetched = fetch(target)
    if fetched.error:
        raise LinkFailure(fetched.error, fetched.detail)


def _setting(name: str, default: int) -> timedelta | int:
    return current_app.config.get(name, default)


def _running(snapshot: Snapshot) -> bool:
    if snapshot.watts is None:
        return snapshot.output
    return snapshot.output and snapshot.watts >= _setting("USAGE_POWER_ON_WATTS", 20)


def _waiting(link: PrinterLink, what: str) -> datetime | None:
    prefix = f"relay-{what}:"
    if not link.last_job_key.startswith(prefix):
        return None
    return datetime.fromtimestamp(int(link.last_job_key[len(prefix) :]), UTC)


def _mine(link: PrinterLink, session: UsageSession | None) -> bool:
    return session is not None and (session.external_id or "").startswith(f"relay:{link.id}:")


def apply_snapshot(*, link: PrinterLink, snapshot: Snapshot, now: datetime) -> list[UsageSession]:
    """Record what the relay shows; returns the sessions opened or closed."""
    record_outcome(link, snapshot, now)
    if snapshot.error:
        link.last_state = ""
        return []  # silent relay: the open session waits (the stale-session job caps it)
    link.last_state = (
        f"{snapshot.watts:.0f} W"
        if snapshot.watts is not None
        else ("on" if snapshot.output else "off")
    )
    current = open_session_for(link.machine)
    if current is not None and not _mine(link, current):
        return []  # someone runs the machine from the kiosk or a badge reader
    if _running(snapshot):
        return _on(link, current, now)
    return _off(link, current, now)


def _on(link: PrinterLink, current, now: datetime) -> list[UsageSession]:
    if current is not None:
        link.last_job_key = ""  # running on (a short dip is forgotten)
        return []
    since = _waiting(link, "on")
    if since is None:
        link.last_job_key = f"relay-on:{int(now.timestamp())}"
        return []
    if now - since < timedelta(seconds=_setting("USAGE_POWER_MIN_SECONDS", 60)):
        return []
    user, flag = print_user(link, since)
    flag = NO_BOOKING if flag else ""
    if user is None:
        user = default_user(link)
    if user is None:
        link.last_error = NO_ACCOUNT
        return []
    session = start_session(
        machine=link.machine,
        user=user,
        source=UsageSource.DEVICE.value,
        at=since,
        external_id=f"relay:{link.id}:{int(since.timestamp())}",
    )
    session.flagged_reason = flag
    link.last_job_key = ""
    return [session]


def _off(link: PrinterLink, current, now: datetime) -> list[UsageSession]:
    if current is None:
        link.last_job_key = ""  # a spike, or nothing: no session
        return []
    since = _waiting(link, "off")
    if since is None:
        link.last_job_key = f"relay-off:{int(now.timestamp())}"
        return []
    if now - since < timedelta(seconds=_setting("USAGE_POWER_OFF_GRACE_SECONDS", 120)):
        return []
    link.last_job_key = ""
    _close(current, at=max(since, current.started_at + timedelta(seconds=1)), quantity_milli=0)
    return [current]
