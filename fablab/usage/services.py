"""Usage sessions: start, stop, record, link to bookings, auto-close.

Services take model objects, raise domain errors and only flush; the edge
(view, API, job, CLI) commits. The database backs every rule here: one open
session per machine (partial unique index), end after start and quantities
≥ 0 (check constraints), one session per external job (unique constraint).
Manager corrections are in ``fablab.usage.corrections``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from fablab.accounts.models import User
from fablab.bookings.checkin import record_use
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.errors import DomainError, Forbidden
from fablab.extensions import db
from fablab.machines.models import Machine, MachineStatus
from fablab.timeutil import utcnow
from fablab.usage.models import PRINTER_SOURCES, UsageSession, UsageSource, UsageStatus

# A member may start a little before their booking and still be linked to it.
EARLY_START = timedelta(minutes=15)
# Statuses of a booking a session can fall in (completed: marked after its end; no-show:
# released, but the booker came late after all — the use completes it, see record_use).
LINKABLE_STATUSES = (
    ReservationStatus.CONFIRMED.value,
    ReservationStatus.COMPLETED.value,
    ReservationStatus.NO_SHOW.value,
)
# Bookings that keep others off the machine right now.
RUNNING_STATUSES = (ReservationStatus.CONFIRMED.value, ReservationStatus.HELD.value)
MAX_QUANTITY = Decimal(1_000_000)


def N_(message: str) -> str:  # noqa: N802
    """Mark a message kept untranslated in the database; pages show it with ``_()``."""
    return message


class UsageError(DomainError):
    status = 422
    code = "invalid"


class MachineBusy(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("This machine already has a session running.")


class SessionNotOpen(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("This session is already stopped.")


class BookedBySomeoneElse(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("This machine is booked by someone else right now.")


class NotQualified(DomainError):
    status = 403
    code = "not_qualified"


class MachineUnavailable(DomainError):
    status = 409
    code = "machine_unavailable"

    def default_message(self):
        return _l("This machine is not available.")


def to_milli(quantity: Decimal | int | float | str | None, field: str = "consumables") -> int:
    """A quantity of consumable units as integer thousandths (12.3456 → 12346), ≥ 0."""
    if quantity is None or quantity == "":
        return 0
    try:
        value = Decimal(str(quantity))
    except (InvalidOperation, ValueError):
        raise UsageError(_("The quantity must be a number."), field=field) from None
    if not value.is_finite():
        raise UsageError(_("The quantity must be a number."), field=field)
    if value < 0:
        raise UsageError(_("The quantity of material cannot be negative."), field=field)
    if value > MAX_QUANTITY:
        raise UsageError(_("The quantity of material is too large."), field=field)
    return int((value * 1000).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def from_milli(milli: int) -> Decimal:
    return (Decimal(milli) / 1000).normalize()


def open_session_for(machine: Machine) -> UsageSession | None:
    return db.session.scalar(
        sa.select(UsageSession).where(
            UsageSession.machine_id == machine.id, UsageSession.status == UsageStatus.OPEN
        )
    )


def active_reservation(machine: Machine, at: datetime) -> Reservation | None:
    """The active booking of ``machine`` running at ``at``."""
    return db.session.scalar(
        sa.select(Reservation)
        .where(
            Reservation.machine_id == machine.id,
            Reservation.status.in_(RUNNING_STATUSES),
            Reservation.start_at <= at,
            Reservation.end_at > at,
        )
        .order_by(Reservation.start_at)
        .limit(1)
    )


def find_reservation(
    *, machine: Machine, user: User, start: datetime, end: datetime | None = None
) -> Reservation | None:
    """The booking of ``user`` on ``machine`` that the usage falls in, if any."""
    end = end or start
    return db.session.scalar(
        sa.select(Reservation)
        .where(
            Reservation.machine_id == machine.id,
            Reservation.user_id == user.id,
            Reservation.status.in_(LINKABLE_STATUSES),
            Reservation.start_at <= end + EARLY_START,
            Reservation.end_at > start,
        )
        .order_by(Reservation.start_at)
        .limit(1)
    )


def _billed_company_id(user: User, reservation: Reservation | None) -> int | None:
    if reservation is not None and reservation.company_id is not None:
        return reservation.company_id
    return user.company_id


def _check_can_start(*, machine: Machine, user: User, source: str, at: datetime) -> None:
    from fablab.machines.services import has_valid_qualification

    if source == UsageSource.MANAGER or source in PRINTER_SOURCES:
        return
    if machine.status != MachineStatus.AVAILABLE:
        raise MachineUnavailable()
    if not user.active:
        raise Forbidden(_("This account is deactivated."))
    qualification = machine.required_qualification
    if not has_valid_qualification(user=user, qualification=qualification, at=at):
        raise NotQualified(
            _(
                "Using %(machine)s needs the qualification “%(qualification)s”.",
                machine=machine.name,
                qualification=qualification.name,
            ),  # type: ignore[union-attr]
        )
    booking = active_reservation(machine, at)
    if booking is not None and booking.user_id != user.id:
        raise BookedBySomeoneElse()


def _insert(session: UsageSession) -> None:
    """Insert, mapping the database's one-open-session refusal to MachineBusy."""
    try:
        with db.session.begin_nested():
            db.session.add(session)
            db.session.flush()
    except IntegrityError as error:
        text = str(error.orig).lower()
        if "external_id" in text:
            raise UsageError(_("This job is already recorded."), field="external_id") from None
        raise MachineBusy() from None


def start_session(
    *,
    machine: Machine,
    user: User,
    source: str,
    at: datetime | None = None,
    reservation: Reservation | None = None,
    created_by: User | None = None,
    external_id: str | None = None,
    file_name: str = "",
    note: str = "",
) -> UsageSession:
    """Open a usage session of ``machine`` by ``user`` from ``at`` (default now).

    Refused when the machine already runs a session (409), when someone else's
    booking is running (409), or when the user lacks the machine's qualification
    (403). The session is linked to the user's booking it falls in.
    """
    at = _aware(at or utcnow(), "started_at")
    if at > utcnow() + timedelta(minutes=5):
        raise UsageError(_("A session cannot start in the future."), field="started_at")
    UsageSource(source)
    _check_can_start(machine=machine, user=user, source=source, at=at)
    if open_session_for(machine) is not None:
        raise MachineBusy()
    reservation = reservation or find_reservation(machine=machine, user=user, start=at)
    session = UsageSession(
        machine=machine,
        user=user,
        source=source,
        status=UsageStatus.OPEN.value,
        started_at=at,
        reservation=reservation,
        company_id=_billed_company_id(user, reservation),
        consumable_unit=machine.consumable_unit,
        consumable_rate_cents=machine.consumable_rate_cents,
        created_by=created_by,
        external_id=external_id,
        file_name=file_name[:255],
        note=note,
    )
    _insert(session)
    # Using the machine in one's booking is being there: no no-show release.
    record_use(reservation, at=at)
    return session


def stop_session(
    *,
    session: UsageSession,
    at: datetime | None = None,
    consumables: Decimal | int | float | str | None = None,
) -> UsageSession:
    """Close an open session at ``at`` (default now) with the material used.

    ``consumables`` is a quantity of the machine's consumable unit (grams,
    sheets, m²), ≥ 0; it is stored as integer thousandths with the machine's
    current rate. A session already stopped, an end not after the start or a
    negative quantity is refused and nothing changes.
    """
    if not session.is_open:
        raise SessionNotOpen()
    if session.source in PRINTER_SOURCES:
        raise SessionNotOpen(_("This print is recorded by the printer: it stops by itself."))
    at = _aware(at or utcnow(), "ended_at")
    if at <= session.started_at:
        raise UsageError(_("A session must end after it starts."), field="ended_at")
    if at > utcnow() + timedelta(minutes=5):
        raise UsageError(_("A session cannot end in the future."), field="ended_at")
    quantity = to_milli(consumables)
    _close(session, at=at, quantity_milli=quantity)
    db.session.flush()
    return session


def _close(session: UsageSession, *, at: datetime, quantity_milli: int) -> None:
    machine = session.machine
    session.ended_at = at
    session.consumable_quantity_milli = quantity_milli
    session.consumable_unit = machine.consumable_unit
    session.consumable_rate_cents = machine.consumable_rate_cents
    session.status = (UsageStatus.FLAGGED if session.flagged_reason else UsageStatus.CLOSED).value
    if session.reservation_id is None:
        session.reservation = find_reservation(
            machine=machine, user=session.user, start=session.started_at, end=at
        )
        session.company_id = _billed_company_id(session.user, session.reservation)
    record_use(session.reservation, at=session.started_at)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(_("Dates must include a time zone."), field=field)
    return value


def can_stop(user: User, session: UsageSession) -> bool:
    return user.is_manager or session.user_id == user.id


def close_stale_sessions(*, now: datetime | None = None) -> list[UsageSession]:
    """Close sessions left open past the limit and flag them for review.

    The limit is ``USAGE_AUTO_CLOSE_HOURS`` (default 12 h; OctoPrint prints:
    ``USAGE_AUTO_CLOSE_PRINT_HOURS``, default 72 h). A session linked to a
    booking ends at the booking's end; otherwise at the limit. Safe to rerun.
    """
    now = now or utcnow()
    config = current_app.config
    print_limit = timedelta(hours=config.get("USAGE_AUTO_CLOSE_PRINT_HOURS", 72))
    limits = dict.fromkeys(PRINTER_SOURCES, print_limit)
    default_limit = timedelta(hours=config.get("USAGE_AUTO_CLOSE_HOURS", 12))
    closed = []
    rows = db.session.scalars(
        sa.select(UsageSession)
        .where(UsageSession.status == UsageStatus.OPEN)
        .order_by(UsageSession.started_at)
    ).all()
    for session in rows:
        limit = limits.get(session.source, default_limit)
        if now - session.started_at < limit:
            continue
        end = session.started_at + limit
        booking = session.reservation
        if booking is not None and session.started_at < booking.end_at < end:
            end = booking.end_at
        session.flagged_reason = N_("Left open: closed automatically, check the times.")
        _close(session, at=end, quantity_milli=session.consumable_quantity_milli)
        closed.append(session)
    db.session.flush()
    return closed


def sessions_query(
    *,
    machine_id: int | None = None,
    user_id: int | None = None,
    status: str | None = None,
    source: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> sa.Select:
    """Sessions, newest first, filtered for the manager's list."""
    query = (
        sa.select(UsageSession)
        .options(selectinload(UsageSession.machine), selectinload(UsageSession.user))
        .order_by(UsageSession.started_at.desc(), UsageSession.id.desc())
    )
    if machine_id:
        query = query.where(UsageSession.machine_id == machine_id)
    if user_id:
        query = query.where(UsageSession.user_id == user_id)
    if status:
        query = query.where(UsageSession.status == status)
    if source:
        query = query.where(UsageSession.source == source)
    if start:
        query = query.where(UsageSession.started_at >= start)
    if end:
        query = query.where(UsageSession.started_at < end)
    return query
