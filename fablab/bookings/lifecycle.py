"""The life of a booking, in one place: which status may follow which, and the stamps.

    held ──► confirmed ──► completed
      │          │   └───► no_show ──► completed (a manager: "they came after all")
      │          └───────► cancelled
      ├────────► expired   (the payment never came)
      └────────► cancelled (the owner released the hold)

``held`` and ``confirmed`` are *active*: the database keeps them from
overlapping. ``completed`` is stamped with when and how (``via``): by the
scheduler when an attended booking's blocked time is over, by a usage session
that stops after it, or by a manager. Every other module changes a booking's
status through :func:`transition` (or the helpers below), never by assignment.
"""

from __future__ import annotations

from datetime import datetime

from fablab.accounts.models import User
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.timeutil import utcnow

S = ReservationStatus

#: status → the statuses it may become
TRANSITIONS: dict[str, frozenset[str]] = {
    S.HELD: frozenset({S.CONFIRMED, S.EXPIRED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.COMPLETED, S.NO_SHOW, S.CANCELLED}),
    S.NO_SHOW: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}


class CompletedVia:
    SCHEDULER = "scheduler"
    USAGE = "usage"
    MANAGER = "manager"


class InvalidState(DomainError):
    status = 409
    code = "invalid_state"

    def default_message(self):
        from flask_babel import lazy_gettext as _l

        return _l("This booking is no longer active.")


def can_become(reservation: Reservation, status: str) -> bool:
    return status in TRANSITIONS.get(reservation.status, frozenset())


def transition(
    reservation: Reservation,
    to: str,
    *,
    now: datetime | None = None,
    by: User | None = None,
    via: str = "",
    reason: str = "",
) -> Reservation:
    """Move ``reservation`` to status ``to``; raises InvalidState when the move is not allowed.

    Stamps the change (``completed_at``/``completed_via``, ``cancelled_*``,
    ``confirmed_at``) and grows the iCalendar SEQUENCE. Only flushes.
    """
    now = now or utcnow()
    if not can_become(reservation, to):
        raise InvalidState()
    if to == S.COMPLETED:
        reservation.completed_at = now
        reservation.completed_via = via or CompletedVia.MANAGER
    elif to == S.CANCELLED:
        reservation.cancelled_at = now
        reservation.cancelled_by_id = by.id if by else None
        reservation.cancel_reason = reason or ""
    elif to == S.CONFIRMED:
        reservation.confirmed_at = now
        reservation.hold_expires_at = None
    reservation.status = str(to)
    reservation.sequence = (reservation.sequence or 0) + 1
    db.session.flush()
    return reservation


def confirm_hold(reservation: Reservation, *, now: datetime | None = None) -> Reservation:
    """A held slot whose payment arrived becomes confirmed (InvalidState if it expired)."""
    if reservation.status != S.HELD:
        raise InvalidState()
    return transition(reservation, S.CONFIRMED, now=now)


def complete(
    reservation: Reservation, *, via: str, now: datetime | None = None, by: User | None = None
) -> Reservation:
    """Mark an attended booking completed (the billing of booked time follows)."""
    return transition(reservation, S.COMPLETED, now=now, by=by, via=via)
