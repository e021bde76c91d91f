"""What a visitor may see of the lab right now: machine status, today's hours, next events.

Nothing here names a person: a machine is "in use" or "booked", never by whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from fablab.events.models import Audience, Event, EventStatus
from fablab.extensions import db
from fablab.machines.models import Closure, Machine, MachineStatus, OpeningHours
from fablab.machines.zone import lab_zone
from fablab.timeutil import utcnow
from fablab.usage.models import UsageSession, UsageStatus

FREE, IN_USE, BOOKED, MAINTENANCE, CLOSED = "free", "in_use", "booked", "maintenance", "closed"


@dataclass(frozen=True)
class MachineNow:
    id: int
    name: str
    kind: str
    status: str  # free, in_use, booked, maintenance, closed
    until: datetime | None  # when the current booking or closure ends


def public_machines() -> list[Machine]:
    return list(
        db.session.scalars(
            sa.select(Machine)
            .where(Machine.status != MachineStatus.RETIRED)
            .order_by(Machine.kind, Machine.name)
        )
    )


def machines_now(now: datetime | None = None) -> list[MachineNow]:
    """Every machine in service with its live status, from usage sessions, bookings and closures."""
    now = now or utcnow()
    machines = public_machines()
    in_use = set(
        db.session.scalars(
            sa.select(UsageSession.machine_id).where(UsageSession.status == UsageStatus.OPEN)
        )
    )
    booked = dict(
        db.session.execute(
            sa.select(Reservation.machine_id, sa.func.max(Reservation.end_at))
            .where(
                Reservation.status.in_(ACTIVE_STATUSES),
                Reservation.start_at <= now,
                Reservation.end_at > now,
            )
            .group_by(Reservation.machine_id)
        ).all()
    )
    closed = _closures_now(now)
    result = []
    for machine in machines:
        status, until = FREE, None
        if machine.status == MachineStatus.MAINTENANCE:
            status = MAINTENANCE
        elif machine.id in in_use:
            status = IN_USE
        elif machine.id in booked:
            status, until = BOOKED, booked[machine.id]
        elif machine.id in closed or None in closed:
            status, until = CLOSED, closed.get(machine.id) or closed.get(None)
        result.append(MachineNow(machine.id, machine.name, machine.kind, status, until))
    return result


def _closures_now(now: datetime) -> dict[int | None, datetime]:
    rows = db.session.execute(
        sa.select(Closure.machine_id, Closure.end_at).where(
            Closure.start_at <= now, Closure.end_at > now
        )
    ).all()
    return {machine_id: end for machine_id, end in rows}


def hours_of_day(weekday: int) -> list[tuple[time, time]]:
    """The opening intervals of a weekday (0 = Monday), in the lab's local time."""
    rows = db.session.scalars(
        sa.select(OpeningHours)
        .where(OpeningHours.weekday == weekday)
        .order_by(OpeningHours.opens_at)
    )
    return [(row.opens_at, row.closes_at) for row in rows]


def week_hours() -> list[tuple[int, list[tuple[time, time]]]]:
    return [(day, hours_of_day(day)) for day in range(7)]


def today_hours(now: datetime | None = None) -> tuple[int, list[tuple[time, time]], bool]:
    """(weekday, today's intervals, whether a lab-wide closure covers now)."""
    now = now or utcnow()
    local = now.astimezone(lab_zone())
    closed = None in _closures_now(now)
    return local.weekday(), ([] if closed else hours_of_day(local.weekday())), closed


def next_events(limit: int = 5, now: datetime | None = None) -> list[Event]:
    """Published events open to the public or to companies, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(
                Event.status == EventStatus.PUBLISHED,
                Event.end_at > now,
                Event.start_at < now + timedelta(days=366),
                Event.audience.in_((Audience.PUBLIC.value, Audience.COMPANIES.value)),
            )
            .order_by(Event.start_at)
            .limit(limit)
        )
    )
