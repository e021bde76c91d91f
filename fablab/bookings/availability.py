"""When a machine is busy and when it can be booked.

Bookable time is the opening hours minus closures minus active reservations
(including their buffer). Busy blocks never carry a person's name: callers
decide what a viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fablab.bookings.models import Reservation, active_in_window
from fablab.bookings.rules import closures_between, opening_intervals_for_day, opening_rows
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.zone import lab_zone

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime  # blocked until (end of the booking plus its buffer)
    reservation: Reservation | None = None  # None for a closure
    kind: str = "reservation"  # or "closure"


def active_reservations(machine: Machine, start: datetime, end: datetime) -> list[Reservation]:
    return list(
        db.session.scalars(
            active_in_window(machine.id, start, end, db.session.get_bind().dialect.name).order_by(
                Reservation.start_at
            )
        )
    )


def busy_blocks(machine: Machine, start: datetime, end: datetime) -> list[Busy]:
    """Active reservations (with buffer) of ``machine`` meeting [start, end)."""
    return [Busy(r.start_at, r.blocked_until, r) for r in active_reservations(machine, start, end)]


def closure_blocks(machine: Machine, start: datetime, end: datetime) -> list[Busy]:
    return [
        Busy(s, e, None, "closure")
        for s, e, _c in closures_between(machine, start, end, lab_zone())
    ]


def opening_intervals(start: datetime, end: datetime) -> list[Interval]:
    """Opening intervals meeting [start, end), clipped to it; all of it if no hours are set."""
    rows = opening_rows()
    if not rows:
        return [(start, end)]
    zone = lab_zone()
    day: date = start.astimezone(zone).date()
    last: date = end.astimezone(zone).date()
    found: list[Interval] = []
    while day <= last:
        for s, e in opening_intervals_for_day(day, rows, zone):
            if s < end and e > start:
                found.append((max(s, start), min(e, end)))
        day += timedelta(days=1)
    return found


def subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    """``intervals`` minus ``holes`` (both lists of [start, end) pairs)."""
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            next_pieces = []
            for s, e in pieces:
                if hole_end <= s or hole_start >= e:
                    next_pieces.append((s, e))
                    continue
                if s < hole_start:
                    next_pieces.append((s, hole_start))
                if hole_end < e:
                    next_pieces.append((hole_end, e))
            pieces = next_pieces
        result.extend(pieces)
    return result


def bookable_intervals(machine: Machine, start: datetime, end: datetime) -> list[Interval]:
    """Free time inside opening hours, minus closures and active reservations."""
    if not machine.is_bookable:
        return []
    holes = [(b.start, b.end) for b in busy_blocks(machine, start, end)]
    holes += [(b.start, b.end) for b in closure_blocks(machine, start, end)]
    return subtract(opening_intervals(start, end), sorted(holes))
