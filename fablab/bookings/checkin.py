"""Check-in at the machine, and the release of bookings nobody came for.

A booker checks in from ``CHECK_IN_OPENS_MINUTES`` before the start until the
no-show limit (``LabSettings.no_show_after_minutes`` after the start, and never
after the end). A confirmed booking still not checked in at that limit becomes
``no_show``: the database only protects held and confirmed rows, so its slot is
free again for anyone (and for the waitlist).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.bookings.lifecycle import CompletedVia, complete, transition
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.errors import DomainError, Forbidden
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.settings import get_settings
from fablab.timeutil import utcnow

CHECK_IN_OPENS_MINUTES = 15


class CheckInRefused(DomainError):
    status = 409
    code = "check_in_refused"


def no_show_delay() -> timedelta:
    return timedelta(minutes=get_settings().no_show_after_minutes or 0)


def check_in_window(reservation: Reservation) -> tuple[datetime, datetime]:
    """[opens, closes): when the booker may check in for ``reservation``."""
    opens = reservation.start_at - timedelta(minutes=CHECK_IN_OPENS_MINUTES)
    closes = min(reservation.start_at + no_show_delay(), reservation.end_at)
    return opens, closes


def bookings_to_check_in(*, machine: Machine, user: User, now: datetime) -> list[Reservation]:
    """The user's confirmed bookings of ``machine`` whose check-in window contains ``now``."""
    candidates = db.session.scalars(
        sa.select(Reservation)
        .where(
            Reservation.machine_id == machine.id,
            Reservation.user_id == user.id,
            Reservation.status == ReservationStatus.CONFIRMED.value,
            Reservation.start_at <= now + timedelta(minutes=CHECK_IN_OPENS_MINUTES),
            Reservation.end_at > now,
        )
        .order_by(Reservation.start_at)
    )
    return [r for r in candidates if _in_window(r, now)]


def _in_window(reservation: Reservation, now: datetime) -> bool:
    opens, closes = check_in_window(reservation)
    return opens <= now < closes


def check_in(*, machine: Machine, user: User, now: datetime | None = None) -> Reservation:
    """Check ``user`` in for their current booking of ``machine``.

    Checking in twice is harmless (the first time is kept). Raises
    CheckInRefused when there is no booking to check in for right now.
    """
    now = now or utcnow()
    already = _checked_in_now(machine=machine, user=user, now=now)
    if already is not None:
        return already
    bookings = bookings_to_check_in(machine=machine, user=user, now=now)
    if not bookings:
        raise CheckInRefused(
            _(
                "You have no booking of %(machine)s to check in for now. Check-in opens "
                "%(before)d minutes before the start and closes %(after)d minutes after it.",
                machine=machine.name,
                before=CHECK_IN_OPENS_MINUTES,
                after=get_settings().no_show_after_minutes,
            )
        )
    reservation = bookings[0]
    reservation.checked_in_at = now
    db.session.flush()
    return reservation


def _checked_in_now(*, machine: Machine, user: User, now: datetime) -> Reservation | None:
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.machine_id == machine.id,
            Reservation.user_id == user.id,
            Reservation.status == ReservationStatus.CONFIRMED.value,
            Reservation.checked_in_at.is_not(None),
            Reservation.start_at <= now + timedelta(minutes=CHECK_IN_OPENS_MINUTES),
            Reservation.end_at > now,
        )
    )


def current_booking(*, machine: Machine, now: datetime) -> Reservation | None:
    """The active booking of ``machine`` running at ``now`` (for the kiosk's status line)."""
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.machine_id == machine.id,
            Reservation.status.in_(
                (ReservationStatus.CONFIRMED.value, ReservationStatus.HELD.value)
            ),
            Reservation.start_at <= now,
            Reservation.end_at > now,
        )
    )


def next_booking(*, machine: Machine, now: datetime) -> Reservation | None:
    return db.session.scalar(
        sa.select(Reservation)
        .where(
            Reservation.machine_id == machine.id,
            Reservation.status.in_(
                (ReservationStatus.CONFIRMED.value, ReservationStatus.HELD.value)
            ),
            Reservation.start_at > now,
        )
        .order_by(Reservation.start_at)
        .limit(1)
    )


def release_no_shows(*, now: datetime | None = None) -> list[Reservation]:
    """Confirmed bookings not checked in by the no-show limit become ``no_show``.

    Their slot is free from then on. Only confirmed rows are touched, so a
    rerun finds nothing new.
    """
    now = now or utcnow()
    cutoff = now - no_show_delay()
    candidates = db.session.scalars(
        sa.select(Reservation).where(
            Reservation.status == ReservationStatus.CONFIRMED.value,
            Reservation.checked_in_at.is_(None),
            Reservation.start_at <= cutoff,
        )
    ).all()
    # (Past bookings leave "confirmed" when they complete, so this reads only today's.)
    for reservation in candidates:
        transition(reservation, ReservationStatus.NO_SHOW, now=now)
    return list(candidates)


def complete_attended(*, now: datetime | None = None) -> list[Reservation]:
    """Checked-in bookings whose blocked time (end + buffer) is over become ``completed``.

    Completion is what bills an attended booking's time (see ``fablab.billing``).
    Only confirmed rows are read, through the (status, end) index: a rerun finds
    nothing new, and years of history are never scanned.
    """
    now = now or utcnow()
    done = db.session.scalars(
        sa.select(Reservation)
        .where(
            Reservation.status == ReservationStatus.CONFIRMED.value,
            Reservation.end_at <= now,
            Reservation.blocked_until <= now,
            Reservation.checked_in_at.is_not(None),
        )
        .order_by(Reservation.end_at)
    ).all()
    for reservation in done:
        complete(reservation, via=CompletedVia.SCHEDULER, now=now)
    return list(done)


def record_attendance(
    *, reservation: Reservation, by: User, now: datetime | None = None
) -> Reservation:
    """A manager records that the booker came (they forgot to check in).

    A confirmed booking is checked in (and completed at once when its time is
    over); a no-show becomes completed, so its booked time is billed as used.
    """
    now = now or utcnow()
    if not by.is_manager:
        raise Forbidden()
    if now < reservation.start_at - timedelta(minutes=CHECK_IN_OPENS_MINUTES):
        raise CheckInRefused(_("This booking has not started yet."))
    if reservation.status == ReservationStatus.CONFIRMED:
        reservation.checked_in_at = reservation.checked_in_at or min(now, reservation.start_at)
        if reservation.blocked_until <= now:
            complete(reservation, via=CompletedVia.MANAGER, now=now, by=by)
    else:
        complete(reservation, via=CompletedVia.MANAGER, now=now, by=by)
    db.session.flush()
    return reservation


def record_use(
    reservation: Reservation | None, *, at: datetime, now: datetime | None = None
) -> None:
    """The machine was used inside ``reservation`` from ``at``: the booker was there.

    Checks the booking in (no no-show release), completes it when its time is
    already over, and turns a no-show into a completed booking (they came late).
    """
    if reservation is None:
        return
    now = now or utcnow()
    if reservation.status == ReservationStatus.NO_SHOW:
        reservation.checked_in_at = reservation.checked_in_at or at
        complete(reservation, via=CompletedVia.USAGE, now=now)
    elif reservation.status == ReservationStatus.CONFIRMED:
        reservation.checked_in_at = reservation.checked_in_at or at
        if reservation.blocked_until <= now:
            complete(reservation, via=CompletedVia.USAGE, now=now)
    db.session.flush()
