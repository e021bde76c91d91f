"""Utilisation per machine: booked and used hours against open hours, no-shows, material.

Open hours are the opening hours of every local day of the period (as real UTC instants,
so a day of the DST change counts its true length) minus lab-wide closures and the
machine's own closures. Booked hours count confirmed, completed and no-show bookings;
used hours count ended usage sessions; both are clipped to the period. The no-show rate
is missed ÷ settled (attended or missed) bookings starting in the period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from fablab.bookings.availability import opening_intervals, subtract
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.extensions import db
from fablab.machines.models import Closure, Machine
from fablab.machines.zone import lab_zone
from fablab.reports.periods import Period
from fablab.reports.sqltime import clipped_seconds, instant, utc_hour, utc_minute
from fablab.usage.models import UsageSession, UsageStatus

BOOKED = (
    ReservationStatus.CONFIRMED.value,
    ReservationStatus.COMPLETED.value,
    ReservationStatus.NO_SHOW.value,
)
SETTLED = (ReservationStatus.COMPLETED.value, ReservationStatus.NO_SHOW.value)
Interval = tuple[datetime, datetime]


def _closures(start: datetime, end: datetime) -> dict[int | None, list[Interval]]:
    """Closures meeting [start, end) by machine (None: lab-wide), yearly ones repeated."""
    rows = db.session.scalars(
        sa.select(Closure).where(
            sa.or_(
                Closure.repeats_yearly.is_(True),
                sa.and_(Closure.start_at < end, Closure.end_at > start),
            )
        )
    ).all()
    zone = lab_zone()
    found: dict[int | None, list[Interval]] = defaultdict(list)
    for closure in rows:
        copies = [(closure.start_at, closure.end_at)]
        if closure.repeats_yearly:
            copies = _yearly(closure, start.year - 1, end.year, zone)
        for s, e in copies:
            if s < end and e > start:
                found[closure.machine_id].append((max(s, start), min(e, end)))
    return found


def _yearly(closure: Closure, first_year: int, last_year: int, zone) -> list[Interval]:
    local_start, local_end = closure.start_at.astimezone(zone), closure.end_at.astimezone(zone)
    copies = []
    for year in range(first_year, last_year + 1):
        shift = year - local_start.year
        try:
            s = local_start.replace(year=local_start.year + shift)
            e = local_end.replace(year=local_end.year + shift)
        except ValueError:  # 29 February in a common year
            continue
        copies.append((s.astimezone(UTC), e.astimezone(UTC)))
    return copies


def _hours(intervals: list[Interval]) -> float:
    return sum((e - s).total_seconds() for s, e in intervals) / 3600


def open_hours(period: Period, machines: list[Machine]) -> dict[int, float]:
    """Open hours of each machine in the period (from its purchase date when known)."""
    start, end = period.start_utc, period.end_utc
    opening = opening_intervals(start, end)
    closures = _closures(start, end)
    lab_open = subtract(opening, sorted(closures.get(None, [])))
    result = {}
    for machine in machines:
        intervals = subtract(lab_open, sorted(closures.get(machine.id, [])))
        if machine.purchase_date and machine.purchase_date > period.start:
            since = Period(machine.purchase_date, max(machine.purchase_date, period.end)).start_utc
            intervals = [(max(s, since), e) for s, e in intervals if e > since]
        result[machine.id] = _hours(intervals)
    return result


def _booked(period: Period) -> dict[int, dict]:
    seconds = clipped_seconds(
        Reservation.start_at, Reservation.end_at, period.start_utc, period.end_utc
    )
    no_show = sa.case((Reservation.status == ReservationStatus.NO_SHOW.value, 1), else_=0)
    starts_inside = sa.case((Reservation.start_at >= instant(period.start_utc), 1), else_=0)
    # No-show rate: missed ÷ bookings already settled (attended or missed), not upcoming ones.
    settled = sa.case((Reservation.status.in_(SETTLED), 1), else_=0)
    rows = db.session.execute(
        sa.select(
            Reservation.machine_id,
            sa.func.sum(seconds),
            sa.func.sum(no_show * starts_inside),
            sa.func.sum(starts_inside * settled),
        )
        .where(
            Reservation.status.in_(BOOKED),
            Reservation.start_at < instant(period.end_utc),
            Reservation.end_at > instant(period.start_utc),
        )
        .group_by(Reservation.machine_id)
    ).all()
    return {
        m: {"seconds": int(s or 0), "no_shows": int(n or 0), "bookings": int(b or 0)}
        for m, s, n, b in rows
    }


def _used(period: Period) -> dict[int, dict]:
    seconds = clipped_seconds(
        UsageSession.started_at, UsageSession.ended_at, period.start_utc, period.end_utc
    )
    rows = db.session.execute(
        sa.select(
            UsageSession.machine_id,
            sa.func.sum(seconds),
            sa.func.sum(UsageSession.consumable_quantity_milli),
            sa.func.count(),
        )
        .where(
            UsageSession.status != UsageStatus.OPEN.value,
            UsageSession.started_at < instant(period.end_utc),
            UsageSession.ended_at > instant(period.start_utc),
        )
        .group_by(UsageSession.machine_id)
    ).all()
    return {
        m: {"seconds": int(s or 0), "material_milli": int(q or 0), "sessions": c}
        for m, s, q, c in rows
    }


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def by_machine(period: Period) -> list[dict]:
    """One row per machine: open, booked and used hours, rates, no-shows, material used."""
    machines = list(db.session.scalars(sa.select(Machine).order_by(Machine.name)))
    opened = open_hours(period, machines)
    booked, used = _booked(period), _used(period)
    rows = []
    for machine in machines:
        b = booked.get(machine.id, {"seconds": 0, "no_shows": 0, "bookings": 0})
        u = used.get(machine.id, {"seconds": 0, "material_milli": 0, "sessions": 0})
        booked_h, used_h, open_h = b["seconds"] / 3600, u["seconds"] / 3600, opened[machine.id]
        rows.append(
            {
                "machine_id": machine.id,
                "name": machine.name,
                "kind": machine.kind,
                "open_hours": round(open_h, 2),
                "booked_hours": round(booked_h, 2),
                "used_hours": round(used_h, 2),
                "used_seconds": u["seconds"],
                "booked_rate": _ratio(booked_h, open_h),
                "used_rate": _ratio(used_h, open_h),
                "bookings": b["bookings"],
                "no_shows": b["no_shows"],
                "no_show_rate": _ratio(b["no_shows"], b["bookings"]),
                "sessions": u["sessions"],
                "material_milli": u["material_milli"],
                "material_unit": machine.consumable_unit,
            }
        )
    return rows


def by_kind(rows: list[dict]) -> list[dict]:
    """The machine rows added up per machine kind."""
    kinds: dict[str, dict] = {}
    for row in rows:
        kind = kinds.setdefault(
            row["kind"],
            {
                "kind": row["kind"],
                "machines": 0,
                "open_hours": 0.0,
                "booked_hours": 0.0,
                "used_hours": 0.0,
                "bookings": 0,
                "no_shows": 0,
            },
        )
        kind["machines"] += 1
        for key in ("open_hours", "booked_hours", "used_hours", "bookings", "no_shows"):
            kind[key] += row[key]
    for kind in kinds.values():
        kind["booked_rate"] = _ratio(kind["booked_hours"], kind["open_hours"])
        kind["used_rate"] = _ratio(kind["used_hours"], kind["open_hours"])
        kind["no_show_rate"] = _ratio(kind["no_shows"], kind["bookings"])
        for key in ("open_hours", "booked_hours", "used_hours"):
            kind[key] = round(kind[key], 2)
    return sorted(kinds.values(), key=lambda k: k["kind"])


def heat_map(period: Period) -> list[list[float]]:
    """Booked hours per local weekday (0 = Monday) and hour of day, over the period.

    SQL groups the bookings by starting UTC hour, minute and length; each group is then
    spread over the local hours it covers, so a long booking fills every hour it spans.
    """
    length = clipped_seconds(
        Reservation.start_at, Reservation.end_at, period.start_utc, period.end_utc
    )
    start_hour, start_minute = utc_hour(Reservation.start_at), utc_minute(Reservation.start_at)
    rows = db.session.execute(
        sa.select(start_hour, start_minute, length, sa.func.count())
        .where(
            Reservation.status.in_(BOOKED),
            Reservation.start_at >= instant(period.start_utc),
            Reservation.start_at < instant(period.end_utc),
        )
        .group_by(start_hour, start_minute, length)
    ).all()
    grid = [[0.0] * 24 for _ in range(7)]
    zone = lab_zone()
    for hour_text, minute, seconds, count in rows:
        start = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(minute=int(minute), tzinfo=UTC)
        _spread(grid, start, start + timedelta(seconds=int(seconds)), count, zone)
    return [[round(value, 2) for value in day] for day in grid]


def _spread(grid, start: datetime, end: datetime, count: int, zone) -> None:
    cursor = start
    while cursor < end:
        next_hour = (cursor.replace(minute=0, second=0, microsecond=0)) + timedelta(hours=1)
        piece_end = min(next_hour, end)
        local = cursor.astimezone(zone)
        grid[local.weekday()][local.hour] += count * (piece_end - cursor).total_seconds() / 3600
        cursor = piece_end
