"""Machine, qualification and closure services: they validate, change and flush."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from fablab.accounts.models import User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import (
    Closure,
    ConsumableUnit,
    Machine,
    MachineKind,
    MachineStatus,
    Qualification,
    UserQualification,
)
from fablab.timeutil import utcnow

QUALIFICATION_SOURCES = ("manager", "training", "import")


class MachineError(DomainError):
    code = "invalid"


class QualificationError(DomainError):
    code = "invalid"


class ClosureError(DomainError):
    code = "invalid"


# --- qualifications ---------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same instant ``months`` later (the day is clamped to the month's end)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def grant_qualification(
    *,
    user: User,
    qualification: Qualification,
    granted_by: User | None = None,
    source: str = "manager",
    expires_at: datetime | None = None,
) -> UserQualification:
    """Give ``user`` the qualification, or renew it when already held.

    Without ``expires_at``, the expiry follows the qualification's validity
    (``validity_months`` after now), or never when it has none.
    """
    if expires_at is not None and expires_at.tzinfo is None:
        raise QualificationError(_l("The expiry needs a time zone."), field="expires_at")
    now = utcnow()
    if expires_at is None and qualification.validity_months:
        expires_at = add_months(now, qualification.validity_months)
    if expires_at is not None and expires_at <= now:
        raise QualificationError(_l("The expiry must be in the future."), field="expires_at")
    held = find_user_qualification(user=user, qualification=qualification) or _new_holding(
        user, qualification
    )
    held.granted_at = now
    held.expires_at = expires_at
    held.granted_by_id = granted_by.id if granted_by is not None else None
    held.source = source if source in QUALIFICATION_SOURCES else "manager"
    db.session.flush()
    return held


def _new_holding(user: User, qualification: Qualification) -> UserQualification:
    """Insert the holding in a savepoint; if a concurrent grant won, use its row."""
    if user.id is None or qualification.id is None:
        db.session.flush()
    held = UserQualification(
        user_id=user.id, qualification_id=qualification.id, granted_at=utcnow()
    )
    try:
        with db.session.begin_nested():
            db.session.add(held)
    except IntegrityError:
        existing = find_user_qualification(user=user, qualification=qualification)
        if existing is None:
            raise
        return existing
    return held


def revoke_qualification(*, user: User, qualification: Qualification) -> bool:
    """Take the qualification away; False when the user did not hold it."""
    held = find_user_qualification(user=user, qualification=qualification)
    if held is None:
        return False
    db.session.delete(held)
    db.session.flush()
    return True


def has_valid_qualification(
    *, user: User, qualification: Qualification | None, at: datetime
) -> bool:
    """True when ``user`` holds ``qualification`` and it has not expired at ``at``.

    No qualification required (None) counts as qualified.
    """
    if qualification is None:
        return True
    held = find_user_qualification(user=user, qualification=qualification)
    if held is None:
        return False
    return held.expires_at is None or held.expires_at > at


def find_user_qualification(
    *, user: User, qualification: Qualification
) -> UserQualification | None:
    return db.session.scalar(
        sa.select(UserQualification).where(
            UserQualification.user_id == user.id,
            UserQualification.qualification_id == qualification.id,
        )
    )


def save_qualification(
    *,
    name: str,
    description: str = "",
    validity_months: int | None = None,
    qualification: Qualification | None = None,
) -> Qualification:
    """Create a qualification, or update ``qualification``. Names are unique."""
    name = (name or "").strip()
    if not name:
        raise QualificationError(_l("A name is required."), field="name")
    if validity_months is not None and validity_months <= 0:
        raise QualificationError(
            _l("The validity must be a positive number of months."), field="validity_months"
        )
    clash = db.session.scalar(sa.select(Qualification).where(Qualification.name == name))
    if clash is not None and clash is not qualification:
        raise QualificationError(_l("A qualification already has this name."), field="name")
    if qualification is None:
        qualification = Qualification(name=name)
        db.session.add(qualification)
    qualification.name = name
    qualification.description = (description or "").strip()
    qualification.validity_months = validity_months
    db.session.flush()
    return qualification


# --- machines ---------------------------------------------------------------------------------

MACHINE_FIELDS = (
    "name", "kind", "description", "location", "status",
    "rate_member_cents", "rate_public_cents", "rate_reduced_cents", "rate_company_cents",
    "billing_increment_minutes", "consumable_unit", "consumable_rate_cents",
    "required_qualification", "unattended_allowed",
    "purchase_cost_cents", "purchase_date", "lifetime_hours", "monthly_maintenance_cents",
    "slot_step_minutes", "min_duration_minutes", "max_duration_minutes", "max_advance_days",
    "min_notice_minutes", "cancel_deadline_hours", "buffer_minutes", "weekly_quota_hours",
)  # fmt: skip
NON_NEGATIVE = (
    "rate_member_cents", "rate_public_cents", "rate_reduced_cents", "rate_company_cents",
    "consumable_rate_cents", "purchase_cost_cents", "monthly_maintenance_cents",
)  # fmt: skip


def check_machine_values(values: dict[str, Any], machine: Machine | None = None) -> None:
    """Raise MachineError (with the field) for the first invalid value."""
    name = (values.get("name") or "").strip()
    if not name:
        raise MachineError(_l("A name is required."), field="name")
    clash = db.session.scalar(sa.select(Machine).where(Machine.name == name))
    if clash is not None and clash is not machine:
        raise MachineError(_l("Another machine already has this name."), field="name")
    if values.get("kind") not in {k.value for k in MachineKind}:
        raise MachineError(_l("Choose a kind of machine."), field="kind")
    if values.get("status", MachineStatus.AVAILABLE) not in {s.value for s in MachineStatus}:
        raise MachineError(_l("Choose a status."), field="status")
    unit = values.get("consumable_unit", ConsumableUnit.NONE)
    if unit not in {u.value for u in ConsumableUnit}:
        raise MachineError(_l("Choose a consumable unit."), field="consumable_unit")
    for field in NON_NEGATIVE:
        if (values.get(field) or 0) < 0:
            raise MachineError(_l("An amount cannot be negative."), field=field)
    increment = values.get("billing_increment_minutes")
    if increment is None or increment <= 0:
        raise MachineError(
            _l("The billing increment must be a positive number of minutes."),
            field="billing_increment_minutes",
        )


def save_machine(*, values: dict[str, Any], machine: Machine | None = None) -> Machine:
    """Create a machine from ``values`` (or update ``machine``) after validation."""
    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    check_machine_values(values, machine)
    if machine is None:
        machine = Machine(name=values["name"], kind=values["kind"])
        db.session.add(machine)
    for field in MACHINE_FIELDS:
        if field in values:
            setattr(machine, field, values[field])
    db.session.flush()
    return machine


def machine_has_reservations(machine: Machine) -> bool:
    from fablab.bookings.models import Reservation

    return bool(
        db.session.scalar(
            sa.select(sa.func.count(Reservation.id)).where(Reservation.machine_id == machine.id)
        )
    )


def retire_machine(*, machine: Machine) -> None:
    """Take a machine out of service for good; its history is kept."""
    machine.status = MachineStatus.RETIRED.value
    db.session.flush()


def delete_machine(*, machine: Machine) -> None:
    """Delete a machine that was never booked; a booked one can only be retired."""
    if machine_has_reservations(machine):
        raise MachineError(_l("This machine has reservations: retire it instead of deleting it."))
    try:
        with db.session.begin_nested():
            db.session.delete(machine)
    except sa.exc.IntegrityError:
        # Usage sessions, charges or events still point to it: its history must stay.
        raise MachineError(
            _l("This machine has a history (usage, billing, events): retire it instead.")
        ) from None


def list_machines(*, kind: str | None = None, include_retired: bool = False) -> list[Machine]:
    query = sa.select(Machine).order_by(Machine.name)
    if kind:
        query = query.where(Machine.kind == kind)
    if not include_retired:
        query = query.where(Machine.status != MachineStatus.RETIRED)
    return list(db.session.scalars(query))


# --- closures ---------------------------------------------------------------------------------


def add_closure(
    *,
    title: str,
    start_at: datetime,
    end_at: datetime,
    machine: Machine | None = None,
    repeats_yearly: bool = False,
) -> Closure:
    """Close the lab (or one machine) between two aware instants."""
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise ClosureError(_l("Times need a time zone."), field="start_at")
    if end_at <= start_at:
        raise ClosureError(_l("The end must come after the start."), field="end_at")
    if repeats_yearly and end_at - start_at > timedelta(days=366):
        raise ClosureError(_l("A yearly closure must last less than a year."), field="end_at")
    closure = Closure(
        title=(title or "").strip()[:200],
        start_at=start_at,
        end_at=end_at,
        machine=machine,
        repeats_yearly=repeats_yearly,
    )
    db.session.add(closure)
    db.session.flush()
    return closure


def upcoming_closures(*, now: datetime, machine: Machine | None = None) -> list[Closure]:
    """Closures not over yet, and the yearly ones; lab-wide plus ``machine``'s own."""
    scope = Closure.machine_id.is_(None)
    if machine is not None:
        scope = sa.or_(scope, Closure.machine_id == machine.id)
    query = (
        sa.select(Closure)
        .where(scope, sa.or_(Closure.end_at > now, Closure.repeats_yearly.is_(True)))
        .order_by(Closure.start_at)
    )
    return list(db.session.scalars(query))


def remove_closure(*, closure: Closure) -> None:
    db.session.delete(closure)
    db.session.flush()
