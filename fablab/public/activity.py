"""The lab's activity by month, as raw figures (no suppression here: see opendata).

Months are the lab's local calendar months. Figures only ever count: no row
leaves this module with a name, an e-mail or a booking in it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

import sqlalchemy as sa

from fablab.accounts.models import Company  # noqa: F401  (relationship targets)
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.events.models import Event, EventKind, EventStatus, Registration
from fablab.extensions import db
from fablab.machines.models import ConsumableUnit, Machine, UserQualification
from fablab.public.models import MaterialProfile
from fablab.timeutil import lab_zone, local_to_utc, utcnow
from fablab.usage.models import UsageSession, UsageStatus

# Booked time the lab gave: the slot was held for someone, whether they came or not.
BOOKED_STATUSES = (
    ReservationStatus.CONFIRMED.value,
    ReservationStatus.COMPLETED.value,
    ReservationStatus.NO_SHOW.value,
)
ENDED_USAGE = (UsageStatus.CLOSED.value, UsageStatus.FLAGGED.value)
UNSPECIFIED = "unspecified"


def month_key(instant: datetime) -> str:
    return instant.astimezone(lab_zone()).strftime("%Y-%m")


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s month."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def default_period(today: date | None = None) -> tuple[date, date]:
    """From January of last year to the end of this month (local dates, end exclusive)."""
    today = today or utcnow().astimezone(lab_zone()).date()
    return date(today.year - 1, 1, 1), next_month(today)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    return local_to_utc(start, time(0)), local_to_utc(end, time(0))


def _new_month() -> dict:
    return {
        "hours_booked": defaultdict(int),  # minutes until rounded
        "hours_used": defaultdict(int),
        "material": defaultdict(lambda: {"milligrams": 0, "circular_milligrams": 0}),
        "events": defaultdict(lambda: {"count": 0, "attendees": 0}),
        "trainings_held": 0,
        "people_trained": 0,
        "qualifications_granted": 0,
        "members": set(),
        "companies": set(),
    }


def monthly_activity(start: date, end: date) -> dict[str, dict]:
    """Raw figures per month key ("2026-03") for local dates [start, end)."""
    months = {m.strftime("%Y-%m"): _new_month() for m in month_starts(start, end) if m < end}
    lower, upper = _window(start, end)
    _add_bookings(months, lower, upper)
    _add_usage(months, lower, upper)
    _add_events(months, lower, upper)
    _add_qualifications(months, lower, upper)
    return months


def _add_bookings(months: dict, lower: datetime, upper: datetime) -> None:
    rows = db.session.execute(
        sa.select(
            Reservation.start_at,
            Reservation.end_at,
            Reservation.user_id,
            Reservation.company_id,
            Machine.kind,
        )
        .join(Machine, Machine.id == Reservation.machine_id)
        .where(
            Reservation.status.in_(BOOKED_STATUSES),
            Reservation.start_at >= lower,
            Reservation.start_at < upper,
        )
    )
    for start_at, end_at, user_id, company_id, kind in rows:
        month = months.get(month_key(start_at))
        if month is None:
            continue
        month["hours_booked"][kind] += int((end_at - start_at).total_seconds() // 60)
        month["members"].add(user_id)
        if company_id:
            month["companies"].add(company_id)


def _add_usage(months: dict, lower: datetime, upper: datetime) -> None:
    rows = db.session.execute(
        sa.select(
            UsageSession.started_at,
            UsageSession.ended_at,
            UsageSession.user_id,
            UsageSession.company_id,
            UsageSession.consumable_unit,
            UsageSession.consumable_quantity_milli,
            Machine.kind,
            MaterialProfile.material,
            MaterialProfile.recycled,
            MaterialProfile.bio_sourced,
        )
        .join(Machine, Machine.id == UsageSession.machine_id)
        .outerjoin(MaterialProfile, MaterialProfile.machine_id == Machine.id)
        .where(
            UsageSession.status.in_(ENDED_USAGE),
            UsageSession.started_at >= lower,
            UsageSession.started_at < upper,
        )
    )
    for row in rows:
        month = months.get(month_key(row.started_at))
        if month is None:
            continue
        month["hours_used"][row.kind] += int((row.ended_at - row.started_at).total_seconds() // 60)
        month["members"].add(row.user_id)
        if row.company_id:
            month["companies"].add(row.company_id)
        if row.consumable_unit == ConsumableUnit.GRAM and row.consumable_quantity_milli:
            material = month["material"][(row.material or UNSPECIFIED).strip() or UNSPECIFIED]
            material["milligrams"] += row.consumable_quantity_milli
            if row.recycled or row.bio_sourced:
                material["circular_milligrams"] += row.consumable_quantity_milli


def _add_events(months: dict, lower: datetime, upper: datetime) -> None:
    attendees = (
        sa.select(sa.func.count(Registration.id))
        .where(Registration.event_id == Event.id, Registration.attended_at.is_not(None))
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Event.start_at, Event.kind, attendees).where(
            Event.status == EventStatus.PUBLISHED,
            Event.start_at >= lower,
            Event.start_at < upper,
            Event.end_at <= utcnow(),
        )
    )
    for start_at, kind, attended in rows:
        month = months.get(month_key(start_at))
        if month is None:
            continue
        month["events"][kind]["count"] += 1
        month["events"][kind]["attendees"] += attended
        if kind == EventKind.TRAINING:
            month["trainings_held"] += 1
            month["people_trained"] += attended


def _add_qualifications(months: dict, lower: datetime, upper: datetime) -> None:
    rows = db.session.scalars(
        sa.select(UserQualification.granted_at).where(
            UserQualification.granted_at >= lower, UserQualification.granted_at < upper
        )
    )
    for granted_at in rows:
        month = months.get(month_key(granted_at))
        if month is not None:
            month["qualifications_granted"] += 1


def year_totals(year: int) -> dict[str, int]:
    """This year's public figures: minutes of making, people trained, companies served."""
    months = monthly_activity(date(year, 1, 1), date(year + 1, 1, 1))
    companies: set[int] = set()
    for month in months.values():
        companies |= month["companies"]
    return {
        "minutes_used": sum(sum(m["hours_used"].values()) for m in months.values()),
        "minutes_booked": sum(sum(m["hours_booked"].values()) for m in months.values()),
        "people_trained": sum(m["people_trained"] for m in months.values()),
        "companies_served": len(companies),
    }
