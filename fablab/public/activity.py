"""The lab's activity by month, as raw figures (no suppression here: see opendata).

Months are the lab's local calendar months. Figures only ever count: no row
leaves this module with a name, an e-mail or a booking in it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

import sqlalchemy as sa

from fablab.bookings.models import Reservation, ReservationStatus
from fablab.events.models import Event, EventKind, EventStatus, Registration
from fablab.extensions import db
from fablab.machines.models import ConsumableUnit, Machine, UserQualification
from fablab.machines.zone import lab_zone, local_to_utc
from fablab.public.models import MaterialProfile
from fablab.timeutil import utcnow
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
        "members": 0,
        "companies": 0,
    }


def _month_bucket(column, months: list[date], end: date) -> sa.ColumnElement:
    """A CASE giving the local month key ("2026-03") of an instant column, in SQL."""
    bounds = [*months, end]
    return sa.case(
        *[
            (
                sa.and_(column >= local_to_utc(a, time(0)), column < local_to_utc(b, time(0))),
                a.strftime("%Y-%m"),
            )
            for a, b in zip(bounds, bounds[1:], strict=False)
        ],
        else_=None,
    )


def _minutes(start, end) -> sa.ColumnElement:
    """Minutes between two instant columns, on SQLite and on PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", end - start) / 60
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 1440


def monthly_activity(start: date, end: date) -> dict[str, dict]:
    """Raw figures per month key ("2026-03") for local dates [start, end).

    Sums and distinct counts are computed by the database, month by month, so a
    lab with years of history answers as fast as a new one.
    """
    starts = [m for m in month_starts(start, end) if m < end]
    months = {m.strftime("%Y-%m"): _new_month() for m in starts}
    lower, upper = _window(start, end)
    booked = _month_bucket(Reservation.start_at, starts, end)
    used = _month_bucket(UsageSession.started_at, starts, end)
    _add_minutes(months, booked, used, lower, upper)
    _add_material(months, used, lower, upper)
    _add_people(months, booked, used, lower, upper)
    _add_events(months, lower, upper)
    _add_qualifications(months, lower, upper)
    return months


def _bookings(lower: datetime, upper: datetime, *columns) -> sa.Select:
    return sa.select(*columns).where(
        Reservation.status.in_(BOOKED_STATUSES),
        Reservation.start_at >= lower,
        Reservation.start_at < upper,
    )


def _sessions(lower: datetime, upper: datetime, *columns) -> sa.Select:
    return sa.select(*columns).where(
        UsageSession.status.in_(ENDED_USAGE),
        UsageSession.started_at >= lower,
        UsageSession.started_at < upper,
    )


def _add_minutes(months: dict, booked, used, lower: datetime, upper: datetime) -> None:
    minutes = sa.func.sum(_minutes(Reservation.start_at, Reservation.end_at))
    query = (
        _bookings(lower, upper, booked, Machine.kind, minutes)
        .join(Machine, Machine.id == Reservation.machine_id)
        .group_by(booked, Machine.kind)
    )
    for month, kind, total in db.session.execute(query):
        if month in months:
            months[month]["hours_booked"][kind] += int(round(float(total or 0)))
    minutes = sa.func.sum(_minutes(UsageSession.started_at, UsageSession.ended_at))
    query = (
        _sessions(lower, upper, used, Machine.kind, minutes)
        .join(Machine, Machine.id == UsageSession.machine_id)
        .group_by(used, Machine.kind)
    )
    for month, kind, total in db.session.execute(query):
        if month in months:
            months[month]["hours_used"][kind] += int(round(float(total or 0)))


def _add_material(months: dict, used, lower: datetime, upper: datetime) -> None:
    circular = sa.or_(MaterialProfile.recycled, MaterialProfile.bio_sourced)
    query = (
        _sessions(
            lower,
            upper,
            used,
            MaterialProfile.material,
            circular,
            sa.func.sum(UsageSession.consumable_quantity_milli),
        )
        .outerjoin(MaterialProfile, MaterialProfile.machine_id == UsageSession.machine_id)
        .where(UsageSession.consumable_unit == ConsumableUnit.GRAM.value)
        .group_by(used, MaterialProfile.material, circular)
    )
    for month, material, is_circular, milli in db.session.execute(query):
        if month not in months or not milli:
            continue
        entry = months[month]["material"][(material or "").strip() or UNSPECIFIED]
        entry["milligrams"] += int(milli)
        if is_circular:
            entry["circular_milligrams"] += int(milli)


def _people(booked, used, lower: datetime, upper: datetime, column: str) -> sa.Subquery:
    """(month, person or company) pairs from bookings and usage, without duplicates."""
    return sa.union(
        _bookings(lower, upper, booked.label("month"), getattr(Reservation, column).label("who")),
        _sessions(lower, upper, used.label("month"), getattr(UsageSession, column).label("who")),
    ).subquery()


def _add_people(months: dict, booked, used, lower: datetime, upper: datetime) -> None:
    for column, key in (("user_id", "members"), ("company_id", "companies")):
        pairs = _people(booked, used, lower, upper, column)
        query = (
            sa.select(pairs.c.month, sa.func.count(sa.distinct(pairs.c.who)))
            .where(pairs.c.who.is_not(None))
            .group_by(pairs.c.month)
        )
        for month, count in db.session.execute(query):
            if month in months:
                months[month][key] = int(count)


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
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    months = monthly_activity(start, end)
    lower, upper = _window(start, end)
    whole_year = sa.literal("year")
    pairs = _people(whole_year, whole_year, lower, upper, "company_id")
    companies = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(pairs.c.who))).where(pairs.c.who.is_not(None))
    )
    return {
        "minutes_used": sum(sum(m["hours_used"].values()) for m in months.values()),
        "minutes_booked": sum(sum(m["hours_booked"].values()) for m in months.values()),
        "people_trained": sum(m["people_trained"] for m in months.values()),
        "companies_served": int(companies or 0),
    }
