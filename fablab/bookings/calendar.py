"""The calendar grids shown in the web UI: cells of local time, free / busy / mine.

Cells are built in the lab's local time (a row is a wall-clock time), each one
converted to its UTC instant with zoneinfo; a wall-clock time the clock skips
on the daylight-saving day is shown as closed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.bookings import availability
from fablab.bookings.forms import STATUS_LABELS, local_instant
from fablab.bookings.rules import booked_minutes_in_week, resolve_rules
from fablab.extensions import db
from fablab.machines.models import Machine, OpeningHours
from fablab.machines.services import find_user_qualification
from fablab.machines.zone import lab_zone


def reservation_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@dataclass
class Cell:
    day: date
    at: time
    until: time
    start: datetime | None  # UTC; None when the clock skips this time
    state: str = "closed"  # free, busy, mine, moving, blocked, closed, past
    label: str = ""
    reservation_id: int | None = None
    rule: str = ""  # why a "blocked" cell cannot be booked by this person
    reason: str = ""
    minutes: int = 0

    @property
    def end(self) -> datetime | None:
        return self.start + timedelta(minutes=self.minutes) if self.start else None


@dataclass
class Grid:
    step_minutes: int
    times: list[time]
    days: list[date]
    cells: dict[date, list[Cell]] = field(default_factory=dict)


def cell_minutes(machine: Machine) -> int:
    """Cell size: the slot step, or a multiple of it of at least 15 minutes."""
    step = resolve_rules(machine).slot_step_minutes
    return step * math.ceil(15 / step) if step < 15 else step


def row_times(step: int) -> list[time]:
    """Wall-clock rows from the earliest opening to the latest closing of the week."""
    opens = db.session.scalar(sa.select(sa.func.min(OpeningHours.opens_at)))
    closes = db.session.scalar(sa.select(sa.func.max(OpeningHours.closes_at)))
    first = (opens.hour * 60 + opens.minute) if opens else 8 * 60
    last = (closes.hour * 60 + closes.minute) if closes else 20 * 60
    first -= first % step
    return [time(m // 60, m % 60) for m in range(first, last, step) if m < 24 * 60]


def _covered(start: datetime, end: datetime, intervals) -> bool:
    return any(s <= start and end <= e for s, e in intervals)


def _meets(start: datetime, end: datetime, block) -> bool:
    return block.start < end and block.end > start


def _classify(cell: Cell, end: datetime, context: dict) -> None:
    if cell.start is None or not _covered(cell.start, end, context["open"]):
        return
    if any(_meets(cell.start, end, b) for b in context["closures"]):
        return
    for block in context["busy"]:
        if _meets(cell.start, end, block):
            reservation = block.reservation
            if reservation.id == context["moving_id"]:
                cell.state, cell.reservation_id = "moving", reservation.id
                break  # the booking being moved does not stand in its own way
            mine = reservation.user_id == context["viewer"].id
            cell.state = "mine" if mine else "busy"
            cell.reservation_id = reservation.id if (mine or context["manager"]) else None
            if context["manager"] or mine:
                cell.label = reservation.user.display_name
            return
    if cell.start < context["now"]:
        cell.state = "past"
        return
    refusal = _refusal(cell, context)
    if refusal is not None:
        cell.rule, cell.reason = refusal
        cell.state = "blocked" if cell.state != "moving" else "moving"
    elif cell.state != "moving":
        cell.state = "free"


def _refusal(cell: Cell, context: dict) -> tuple[str, str] | None:
    """The rule that stops the viewer booking this cell, as (rule, reason), or None.

    The same rules the booking services check, per cell: minimum notice, horizon,
    qualification and the weekly quota (a one-cell booking would already exceed it).
    """
    rules = context["rules"]
    if cell.start < context["earliest"]:
        return "min_notice", _(
            "Minimum notice: book at least %(minutes)s minutes ahead.",
            minutes=rules.min_notice_minutes,
        )
    if (cell.day - context["today"]).days > rules.max_advance_days:
        return "max_advance", _(
            "Booking horizon: you can book at most %(days)s days ahead.",
            days=rules.max_advance_days,
        )
    if not context["qualified"](cell.start):
        return "qualification", _(
            "You need the qualification “%(qualification)s” to book this machine.",
            qualification=context["machine"].required_qualification.name,
        )
    quota = rules.weekly_quota_hours
    if quota is not None and context["week_minutes"](cell.day) + cell.minutes > quota * 60:
        return "weekly_quota", _(
            "Weekly quota: at most %(hours)s hours per week on this kind of machine.",
            hours=quota,
        )
    return None


def _qualification_check(machine: Machine, viewer: User):
    """A function telling whether the viewer holds the machine's qualification at an instant."""
    if machine.required_qualification is None:
        return lambda _at: True
    held = find_user_qualification(user=viewer, qualification=machine.required_qualification)
    if held is None:
        return lambda _at: False
    return lambda at: held.expires_at is None or held.expires_at > at


def _week_minutes(machine: Machine, viewer: User, moving_id: int | None):
    """Minutes the viewer already booked per local week on this kind of machine (cached)."""
    zone = lab_zone()
    cache: dict[date, int] = {}

    def minutes(day: date) -> int:
        monday = monday_of(day)
        if monday not in cache:
            start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)
            end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
            cache[monday] = booked_minutes_in_week(
                user=viewer,
                machine=machine,
                week_start=start,
                week_end=end.astimezone(UTC),
                exclude_id=moving_id,
            )
        return cache[monday]

    return minutes


def build_cells(
    machine: Machine,
    days: list[date],
    times: list[time],
    step: int,
    viewer: User,
    now: datetime,
    moving_id: int | None = None,
) -> dict[date, list[Cell]]:
    zone = lab_zone()
    start = datetime.combine(days[0], time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    rules = resolve_rules(machine)
    context = {
        "open": availability.opening_intervals(start, end) if machine.is_bookable else [],
        "closures": availability.closure_blocks(machine, start, end),
        "busy": availability.busy_blocks(machine, start, end),
        "viewer": viewer,
        "manager": viewer.is_manager,
        "now": now,
        "today": now.astimezone(zone).date(),
        "earliest": now + timedelta(minutes=rules.min_notice_minutes),
        "rules": rules,
        "machine": machine,
        "moving_id": moving_id,
        "qualified": _qualification_check(machine, viewer),
        "week_minutes": _week_minutes(machine, viewer, moving_id),
    }
    cells: dict[date, list[Cell]] = {}
    for day in days:
        column = []
        for at in times:
            minutes = at.hour * 60 + at.minute + step
            until = time(minutes // 60, minutes % 60) if minutes < 24 * 60 else time(23, 59)
            cell = Cell(day=day, at=at, until=until, start=local_instant(day, at), minutes=step)
            if cell.start is not None:
                _classify(cell, cell.start + timedelta(minutes=step), context)
            column.append(cell)
        cells[day] = column
    return cells


def week_grid(
    machine: Machine, monday: date, viewer: User, now: datetime, moving_id: int | None = None
) -> Grid:
    """The week of ``machine`` as ``viewer`` may book it; ``moving_id``: a booking being
    moved, shown as such and free for its own move."""
    step = cell_minutes(machine)
    times = row_times(step)
    days = [monday + timedelta(days=i) for i in range(7)]
    grid = Grid(step_minutes=step, times=times, days=days)
    grid.cells = build_cells(machine, days, times, step, viewer, now, moving_id)
    return grid


def blocked_rules(grid: Grid) -> set[str]:
    """The rules that block at least one cell of the grid (for the legend and hints)."""
    return {cell.rule for column in grid.cells.values() for cell in column if cell.rule}


def day_rows(
    machines: list[Machine], day: date, viewer: User, now: datetime, step: int = 30
) -> tuple[list[time], dict[int, list[Cell]]]:
    """One row of cells per machine for the day overview."""
    times = row_times(step)
    rows = {m.id: build_cells(m, [day], times, step, viewer, now)[day] for m in machines}
    return times, rows


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
