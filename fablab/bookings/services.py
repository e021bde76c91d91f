"""Booking services: create, cancel, move reservations and expire holds.

Services take model objects, raise domain errors and only flush; the edge
(view, job, CLI) commits. The database is the guarantee against double
booking (exclusion constraint on PostgreSQL, trigger on SQLite): the pre-check
below only gives a friendlier message, and every database refusal is mapped to
``SlotTaken``.

Other modules (mails, waitlist) listen to the blinker signals at the bottom
instead of being imported here, so layers keep pointing one way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from blinker import Namespace
from sqlalchemy.exc import DBAPIError

from fablab.accounts.models import Company, User
from fablab.bookings.lifecycle import InvalidState, transition
from fablab.bookings.models import (
    Reservation,
    ReservationStatus,
    active_in_window,
)
from fablab.bookings.rules import (
    EffectiveRules,
    RuleViolation,
    _,
    check_booking_rules,
    resolve_rules,
)
from fablab.errors import DomainError, Forbidden
from fablab.events.queries import next_training_for
from fablab.extensions import db
from fablab.formatting import format_datetime
from fablab.machines.models import Machine
from fablab.machines.services import has_valid_qualification
from fablab.timeutil import utcnow

__all__ = [
    "CancellationTooLate",
    "InvalidState",
    "NotQualified",
    "RuleViolation",
    "SlotTaken",
    "can_manage_reservation",
    "cancel_reservation",
    "create_reservation",
    "expire_holds",
    "move_reservation",
    "overlapping_reservations",
]

DEFAULT_HOLD_MINUTES = 15

# SQLSTATEs that mean "another transaction took this slot" on PostgreSQL:
# exclusion violation, and the deadlock / serialization failure racing inserts can end in.
_PG_SLOT_TAKEN = {"23P01", "40P01", "40001"}
_SQLITE_SLOT_TAKEN = "reservation_overlap"

signals = Namespace()
#: sent with ``reservation=`` after a reservation is created and flushed
reservation_created = signals.signal("reservation-created")
#: sent with ``reservation=`` and ``by=`` after a cancellation is flushed
reservation_cancelled = signals.signal("reservation-cancelled")
#: sent with ``reservation=``, ``previous_start=``, ``previous_end=`` after a move
reservation_moved = signals.signal("reservation-moved")
#: sent with ``reservations=`` (a list) after holds expired
holds_expired = signals.signal("holds-expired")


class SlotTaken(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _("This slot was just taken.")


class NotQualified(DomainError):
    status = 403
    code = "not_qualified"

    def default_message(self):
        return _("You need a qualification to book this machine.")


class CancellationTooLate(DomainError):
    status = 422
    code = "cancellation_too_late"

    def default_message(self):
        return _("It is too late to cancel this booking.")


def is_slot_taken_error(error: DBAPIError) -> bool:
    """True when the database refused a write because the slot is taken."""
    orig = getattr(error, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in _PG_SLOT_TAKEN:
        return True
    return _SQLITE_SLOT_TAKEN in str(orig)


def overlapping_reservations(
    *, machine: Machine, start: datetime, blocked_until: datetime, exclude_id: int | None = None
) -> list[Reservation]:
    """Active reservations of ``machine`` whose blocked time meets [start, blocked_until)."""
    dialect = db.session.get_bind().dialect.name
    query = active_in_window(machine.id, start, blocked_until, dialect)
    if exclude_id is not None:
        query = query.where(Reservation.id != exclude_id)
    return list(db.session.scalars(query))


def has_qualification_for(machine: Machine, user: User, at: datetime) -> bool:
    return has_valid_qualification(user=user, qualification=machine.required_qualification, at=at)


def next_training_text(machine: Machine) -> str | None:
    """When the next training granting the machine's qualification starts (no seconds)."""
    event = next_training_for(machine.required_qualification)
    return format_datetime(event.start_at, "medium") if event is not None else None


def check_qualification(*, machine: Machine, user: User, at: datetime) -> None:
    if has_qualification_for(machine, user, at):
        return
    name = machine.required_qualification.name  # type: ignore[union-attr]
    message = _(
        "Booking %(machine)s needs the qualification “%(qualification)s”.",
        machine=machine.name,
        qualification=name,
    )
    training = next_training_text(machine)
    if training:
        message += " " + _("Next training: %(date)s.", date=training)
    raise NotQualified(message, qualification=name, next_training=training)


def _require_aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None or value.utcoffset() is None:
            raise RuleViolation(_("Dates must include a time zone."), rule="timezone")


def _check_company(*, user: User, company: Company | None, by: User) -> None:
    if company is None:
        return
    if user.company_id != company.id and not by.is_manager:
        raise Forbidden(_("You can only book on your own company's account."))


def _insert(reservation: Reservation) -> None:
    """Insert inside a SAVEPOINT; a database refusal becomes SlotTaken."""
    try:
        with db.session.begin_nested():
            db.session.add(reservation)
    except DBAPIError as error:
        if is_slot_taken_error(error):
            raise SlotTaken() from None
        raise


def create_reservation(
    *,
    machine: Machine,
    user: User,
    start: datetime,
    end: datetime,
    by: User | None = None,
    company: Company | None = None,
    status: str = ReservationStatus.CONFIRMED.value,
    hold_minutes: int | None = None,
    override_rules: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> Reservation:
    """Book ``machine`` for ``user`` from ``start`` to ``end`` (aware datetimes).

    Checks the booking rules (unless a manager overrides them knowingly), the
    qualification, and that the slot is free; raises RuleViolation, NotQualified,
    SlotTaken. ``status="held"`` keeps the slot for ``hold_minutes`` while a
    payment is pending.
    """
    _require_aware(start, end)
    by = by or user
    now = now or utcnow()
    if override_rules and not by.is_manager:
        raise Forbidden(_("Only a manager can override the booking rules."))
    _check_company(user=user, company=company, by=by)
    rules = resolve_rules(machine)
    if not override_rules:
        check_booking_rules(machine=machine, user=user, start=start, end=end, now=now, rules=rules)
        check_qualification(machine=machine, user=user, at=start)
    elif end <= start:
        raise RuleViolation(_("The end must be after the start."), rule="duration")
    reservation = Reservation(
        machine=machine,
        machine_id=machine.id,
        user=user,
        user_id=user.id,
        company_id=company.id if company else None,
        created_by_id=by.id,
        start_at=start,
        end_at=end,
        blocked_until=end + timedelta(minutes=rules.buffer_minutes),
        status=status,
        note=note or "",
        sequence=0,
    )
    if status == ReservationStatus.HELD.value:
        reservation.hold_expires_at = now + timedelta(minutes=hold_minutes or DEFAULT_HOLD_MINUTES)
    if overlapping_reservations(
        machine=machine, start=start, blocked_until=reservation.blocked_until
    ):
        raise SlotTaken()
    _insert(reservation)
    reservation_created.send(reservation=reservation)
    return reservation


def can_manage_reservation(user: User, reservation: Reservation) -> bool:
    """The booker, a contact of the company it is billed to, or a manager."""
    if user.is_manager or reservation.user_id == user.id:
        return True
    return bool(
        reservation.company_id
        and user.is_company_contact
        and user.company_id == reservation.company_id
    )


def _check_deadline(
    *, reservation: Reservation, rules: EffectiveRules, by: User, override: bool, now: datetime
) -> None:
    if override and by.is_manager:
        return
    deadline = reservation.start_at - timedelta(hours=rules.cancel_deadline_hours)
    if now > deadline:
        raise CancellationTooLate(
            _(
                "Cancellation deadline: bookings can be cancelled or moved up to "
                "%(hours)s hours before they start.",
                hours=rules.cancel_deadline_hours,
            ),
            rule="cancel_deadline",
        )


def cancel_reservation(
    *,
    reservation: Reservation,
    by: User,
    reason: str = "",
    override_deadline: bool = False,
    waive_charge: bool = False,
    now: datetime | None = None,
) -> Reservation:
    """Cancel an active reservation; after the deadline only a manager may (knowingly).

    A confirmed booking cancelled after the deadline is marked ``bill_cancellation``
    (the lab's billing settings decide whether its booked time is billed) unless
    the manager waives the charge.
    """
    now = now or utcnow()
    if not can_manage_reservation(by, reservation):
        raise Forbidden(_("You are not allowed to do this."))
    if not reservation.is_active:
        raise InvalidState()
    # A payment hold can always be released by its owner: nothing was paid yet.
    if reservation.status != ReservationStatus.HELD.value:
        rules = resolve_rules(reservation.machine)
        _check_deadline(
            reservation=reservation, rules=rules, by=by, override=override_deadline, now=now
        )
        late = now > reservation.start_at - timedelta(hours=rules.cancel_deadline_hours)
        reservation.bill_cancellation = late and not (waive_charge and by.is_manager)
    transition(reservation, ReservationStatus.CANCELLED, now=now, by=by, reason=reason)
    reservation_cancelled.send(reservation=reservation, by=by)
    return reservation


def move_reservation(
    *,
    reservation: Reservation,
    start: datetime,
    end: datetime,
    by: User,
    override_rules: bool = False,
    now: datetime | None = None,
) -> Reservation:
    """Move an active reservation to another time of the same machine."""
    _require_aware(start, end)
    now = now or utcnow()
    if not can_manage_reservation(by, reservation):
        raise Forbidden(_("You are not allowed to do this."))
    if not reservation.is_active:
        raise InvalidState()
    if override_rules and not by.is_manager:
        raise Forbidden(_("Only a manager can override the booking rules."))
    machine = reservation.machine
    rules = resolve_rules(machine)
    if not override_rules:
        _check_deadline(reservation=reservation, rules=rules, by=by, override=False, now=now)
        check_booking_rules(
            machine=machine,
            user=reservation.user,
            start=start,
            end=end,
            now=now,
            rules=rules,
            exclude_id=reservation.id,
        )
        check_qualification(machine=machine, user=reservation.user, at=start)
    elif end <= start:
        raise RuleViolation(_("The end must be after the start."), rule="duration")
    blocked_until = end + timedelta(minutes=rules.buffer_minutes)
    if overlapping_reservations(
        machine=machine, start=start, blocked_until=blocked_until, exclude_id=reservation.id
    ):
        raise SlotTaken()
    previous_start, previous_end = reservation.start_at, reservation.end_at
    _update_times(reservation, start=start, end=end, blocked_until=blocked_until)
    reservation_moved.send(
        reservation=reservation, previous_start=previous_start, previous_end=previous_end
    )
    return reservation


def _update_times(
    reservation: Reservation, *, start: datetime, end: datetime, blocked_until: datetime
) -> None:
    try:
        with db.session.begin_nested():
            reservation.start_at, reservation.end_at = start, end
            reservation.blocked_until = blocked_until
            reservation.sequence = (reservation.sequence or 0) + 1
    except DBAPIError as error:
        # The savepoint rolled back and expired the object: it reloads the old times.
        if is_slot_taken_error(error):
            raise SlotTaken() from None
        raise


def expire_holds(*, now: datetime | None = None) -> list[Reservation]:
    """Holds whose payment never came become expired and free their slot."""
    now = now or utcnow()
    expired = list(
        db.session.scalars(
            sa.select(Reservation).where(
                Reservation.status == ReservationStatus.HELD.value,
                Reservation.hold_expires_at <= now,
            )
        )
    )
    for reservation in expired:
        transition(reservation, ReservationStatus.EXPIRED, now=now)
    if expired:
        holds_expired.send(reservations=expired)
    return expired
