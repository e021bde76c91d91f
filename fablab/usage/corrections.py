"""What a manager does with sessions: record one after the fact, correct, review.

Every change is kept in ``UsageCorrection`` with who, when and why. A session
already charged by billing cannot change (the correction is a credit note).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.bookings.checkin import record_use
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow
from fablab.usage.models import UsageCorrection, UsageSession, UsageSource, UsageStatus
from fablab.usage.services import (
    UsageError,
    _aware,
    _billed_company_id,
    find_reservation,
    from_milli,
    to_milli,
)


class AlreadyCharged(DomainError):
    status = 409
    code = "already_charged"

    def default_message(self):
        return _l("This session is already billed: correct it with a credit note.")


class OverlappingSession(DomainError):
    status = 409
    code = "conflict"

    def default_message(self):
        return _l("Another session of this machine overlaps these times.")


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise UsageError(_("Say why: a reason is required."), field="reason")
    return reason


def _check_times(started_at: datetime, ended_at: datetime | None) -> None:
    _aware(started_at, "started_at")
    if started_at > utcnow():
        raise UsageError(_("A session cannot start in the future."), field="started_at")
    if ended_at is not None:
        _aware(ended_at, "ended_at")
        if ended_at <= started_at:
            raise UsageError(_("A session must end after it starts."), field="ended_at")
        if ended_at > utcnow():
            raise UsageError(_("A session cannot end in the future."), field="ended_at")


def _check_no_overlap(
    *, machine: Machine, start: datetime, end: datetime, exclude_id: int | None = None
) -> None:
    query = sa.select(UsageSession.id).where(
        UsageSession.machine_id == machine.id,
        UsageSession.started_at < end,
        sa.or_(UsageSession.ended_at.is_(None), UsageSession.ended_at > start),
    )
    if exclude_id is not None:
        query = query.where(UsageSession.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise OverlappingSession()


def _log(session: UsageSession, *, by: User, field: str, old, new, reason: str) -> UsageCorrection:
    correction = UsageCorrection(
        session=session,
        by=by,
        at=utcnow(),
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason,
    )
    db.session.add(correction)
    return correction


def record_session(
    *,
    machine: Machine,
    user: User,
    started_at: datetime,
    ended_at: datetime,
    by: User,
    reason: str,
    consumables: Decimal | int | str | None = None,
    note: str = "",
) -> UsageSession:
    """A manager records a finished session after the fact (audited)."""
    reason = _reason(reason)
    _check_times(started_at, ended_at)
    quantity = to_milli(consumables)
    _check_no_overlap(machine=machine, start=started_at, end=ended_at)
    reservation = find_reservation(machine=machine, user=user, start=started_at, end=ended_at)
    session = UsageSession(
        machine=machine,
        user=user,
        source=UsageSource.MANAGER.value,
        status=UsageStatus.CLOSED.value,
        started_at=started_at,
        ended_at=ended_at,
        reservation=reservation,
        company_id=_billed_company_id(user, reservation),
        consumable_quantity_milli=quantity,
        consumable_unit=machine.consumable_unit,
        consumable_rate_cents=machine.consumable_rate_cents,
        created_by=by,
        note=note,
    )
    db.session.add(session)
    _log(session, by=by, field="created", old="", new=_("recorded by a manager"), reason=reason)
    db.session.flush()
    record_use(reservation, at=started_at)
    return session


def correct_session(
    *,
    session: UsageSession,
    by: User,
    reason: str,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    consumables: Decimal | int | str | None = None,
    user: User | None = None,
    note: str | None = None,
) -> list[UsageCorrection]:
    """Change a session's times, material, person or note; one audit row per field.

    Only the fields given (not None) change. Stopping an open session by giving
    ``ended_at`` closes it. Refused with nothing changed when the session is
    already billed, the reason is empty or nothing would change.
    """
    if session.charged_at is not None:
        raise AlreadyCharged()
    reason = _reason(reason)
    new_start = started_at or session.started_at
    new_end = ended_at or session.ended_at
    _check_times(new_start, new_end)
    quantity = None if consumables is None else to_milli(consumables)
    if new_end is not None:
        _check_no_overlap(
            machine=session.machine, start=new_start, end=new_end, exclude_id=session.id
        )
    changes = _changes(session, new_start, new_end, quantity, user, note)
    if not changes:
        raise UsageError(_("Nothing to change."))
    corrections = [
        _log(session, by=by, field=field, old=old, new=new, reason=reason)
        for field, old, new in changes
    ]
    _apply(session, new_start, new_end, quantity, user, note)
    db.session.flush()
    return corrections


def _changes(session, start, end, quantity, user, note) -> list[tuple[str, object, object]]:
    changes: list[tuple[str, object, object]] = []
    if start != session.started_at:
        changes.append(("started_at", session.started_at.isoformat(), start.isoformat()))
    if end is not None and end != session.ended_at:
        old_end = session.ended_at.isoformat() if session.ended_at else ""
        changes.append(("ended_at", old_end, end.isoformat()))
    if quantity is not None and quantity != session.consumable_quantity_milli:
        changes.append(
            ("consumables", from_milli(session.consumable_quantity_milli), from_milli(quantity))
        )
    if user is not None and user.id != session.user_id:
        changes.append(("user", session.user.email, user.email))
    if note is not None and note != session.note:
        changes.append(("note", session.note, note))
    return changes


def _apply(session, start, end, quantity, user, note) -> None:
    session.started_at = start
    if user is not None:
        session.user = user
    if note is not None:
        session.note = note
    if quantity is not None:
        session.consumable_quantity_milli = quantity
    if end is not None:
        if session.is_open:
            machine = session.machine
            session.consumable_unit = machine.consumable_unit
            session.consumable_rate_cents = machine.consumable_rate_cents
            session.status = (
                UsageStatus.FLAGGED if session.flagged_reason else UsageStatus.CLOSED
            ).value
        session.ended_at = end
    session.reservation = find_reservation(
        machine=session.machine, user=session.user, start=start, end=end
    )
    session.company_id = _billed_company_id(session.user, session.reservation)


def approve_session(*, session: UsageSession, by: User, reason: str) -> UsageSession:
    """A manager reviewed a flagged session: it becomes billable."""
    reason = _reason(reason)
    if session.status != UsageStatus.FLAGGED:
        raise UsageError(_("Only a flagged session can be approved."))
    _log(session, by=by, field="status", old=session.status, new=UsageStatus.CLOSED, reason=reason)
    session.status = UsageStatus.CLOSED.value
    db.session.flush()
    return session
