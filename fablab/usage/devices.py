"""Devices that report usage: per-machine device tokens and printer links."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.accounts.tokens import hash_secret, new_secret
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow
from fablab.usage.models import DeviceToken, OctoPrintLink, PrinterKind
from fablab.usage.services import UsageError

DEVICE_PREFIX = "fld_"


class InvalidDeviceToken(DomainError):
    status = 401
    code = "unauthorized"

    def default_message(self):
        return _l("Unknown or revoked device token.")


def create_device_token(*, machine: Machine, label: str = "") -> tuple[DeviceToken, str]:
    """A new device token for ``machine``; returns it with the secret, shown only once."""
    secret = DEVICE_PREFIX + new_secret()
    token = DeviceToken(
        machine=machine,
        label=label.strip()[:100],
        token_hash=hash_secret(secret),
        prefix=secret[:10],
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_device_token(*, token: DeviceToken, at: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = at or utcnow()
        db.session.flush()


def device_token_for(secret: str) -> DeviceToken:
    """The valid token for ``secret``, or InvalidDeviceToken (401)."""
    token = None
    if secret:
        token = db.session.scalar(
            sa.select(DeviceToken).where(DeviceToken.token_hash == hash_secret(secret))
        )
    if token is None or token.is_revoked:
        raise InvalidDeviceToken()
    token.last_used_at = utcnow()
    return token


def tokens_of(machine: Machine) -> list[DeviceToken]:
    return list(
        db.session.scalars(
            sa.select(DeviceToken)
            .where(DeviceToken.machine_id == machine.id)
            .order_by(DeviceToken.created_at.desc())
        )
    )


def link_of(machine: Machine) -> OctoPrintLink | None:
    return db.session.scalar(sa.select(OctoPrintLink).where(OctoPrintLink.machine_id == machine.id))


def _milli(value: Decimal | str | float, field: str, low: str, high: str) -> int:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise UsageError(_("Enter a number."), field=field) from None
    if not number.is_finite() or not Decimal(low) <= number <= Decimal(high):
        raise UsageError(
            _("Enter a value between %(low)s and %(high)s.", low=low, high=high), field=field
        )
    return int((number * 1000).quantize(Decimal(1)))


def save_printer_link(
    *,
    machine: Machine,
    url: str,
    api_key: str,
    kind: str = PrinterKind.OCTOPRINT.value,
    username: str = "",
    diameter_mm: Decimal | str | float = Decimal("1.75"),
    density_g_cm3: Decimal | str | float = Decimal("1.24"),
    default_user: User | None = None,
    enabled: bool = True,
) -> OctoPrintLink:
    """Create or update how the poller reaches ``machine``'s printer server.

    Only checks the values: the edge tries the address and the key first
    (``printer_kinds.check_link``), outside the transaction.
    """
    if kind not in {k.value for k in PrinterKind}:
        raise UsageError(_("Choose OctoPrint, Moonraker, PrusaLink or Shelly."), field="kind")
    url = (url or "").strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(_("Enter the printer's address, e.g. http://octopi.local."), field="url")
    api_key = (api_key or "").strip()
    link = link_of(machine)
    # Moonraker may trust the lab's network, and a Shelly has no password by default.
    if not api_key and link is None and kind in (PrinterKind.OCTOPRINT, PrinterKind.PRUSALINK):
        raise UsageError(_("Enter the API key."), field="api_key")
    diameter = _milli(diameter_mm, "diameter_mm", "0.5", "5")
    density = _milli(density_g_cm3, "density_g_cm3", "0.5", "3")
    if link is None:
        link = OctoPrintLink(machine=machine, url=url, api_key=api_key)
        db.session.add(link)
    link.kind = kind
    link.url = url
    link.username = (username or "").strip()[:100]
    if api_key:  # an empty key on update keeps the stored one
        link.api_key = api_key
    link.last_error = link.last_error_detail = ""  # the edge tried the new settings
    link.diameter_milli_mm = diameter
    link.density_milli = density
    link.default_user = default_user
    link.enabled = enabled
    db.session.flush()
    return link


save_octoprint_link = save_printer_link  # its name when only OctoPrint was spoken


def remove_octoprint_link(*, machine: Machine) -> None:
    link = link_of(machine)
    if link is not None:
        db.session.delete(link)
        db.session.flush()
