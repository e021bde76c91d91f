"""Booking rules: each one resolved machine → lab default → built-in default.

Calendar arithmetic (opening hours, slot step, weeks, days ahead) happens in
the lab's local zone and is converted with zoneinfo, so a booking across the
daylight-saving change keeps its real UTC instants and duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Closure, Machine, OpeningHours
from fablab.machines.settings import get_settings
from fablab.machines.zone import lab_zone

RULE_NAMES = (
    "slot_step_minutes",
    "min_duration_minutes",
    "max_duration_minutes",
    "max_advance_days",
    "min_notice_minutes",
    "cancel_deadline_hours",
    "buffer_minutes",
    "weekly_quota_hours",
)

BUILT_IN_DEFAULTS: dict[str, int | None] = {
    "slot_step_minutes": 30,
    "min_duration_minutes": 30,
    "max_duration_minutes": 8 * 60,
    "max_advance_days": 60,
    "min_notice_minutes": 0,
    "cancel_deadline_hours": 24,
    "buffer_minutes": 0,
    "weekly_quota_hours": None,  # no quota
}


class RuleViolation(DomainError):
    """A booking rule refuses the request; ``rule`` names it."""

    status = 422
    code = "rule_violation"


@dataclass(frozen=True)
class EffectiveRules:
    slot_step_minutes: int
    min_duration_minutes: int
    max_duration_minutes: int
    max_advance_days: int
    min_notice_minutes: int
    cancel_deadline_hours: int
    buffer_minutes: int
    weekly_quota_hours: int | None


def resolve_rules(machine: Machine) -> EffectiveRules:
    """Each rule from the machine, else the lab's default, else the built-in one."""
    settings = get_settings()
    values = {}
    for name in RULE_NAMES:
        value = getattr(machine, name, None)
        if value is None:
            value = getattr(settings, name, None)
        if value is None:
            value = BUILT_IN_DEFAULTS[name]
        values[name] = value
    if not values["weekly_quota_hours"]:
        values["weekly_quota_hours"] = None
    values["slot_step_minutes"] = max(1, values["slot_step_minutes"])
    return EffectiveRules(**values)


# -- opening hours and closures ------------------------------------------------


def _local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def opening_rows() -> dict[int, list[tuple[time, time]]]:
    rows = db.session.scalars(sa.select(OpeningHours).order_by(OpeningHours.opens_at)).all()
    by_day: dict[int, list[tuple[time, time]]] = {}
    for row in rows:
        by_day.setdefault(row.weekday, []).append((row.opens_at, row.closes_at))
    return by_day


def opening_intervals_for_day(
    day: date, rows: dict[int, list[tuple[time, time]]], zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """The opening intervals of a local day as UTC instants, touching ones merged."""
    merged: list[list[datetime]] = []
    for opens, closes in sorted(rows.get(day.weekday(), [])):
        start, end = _local_instant(day, opens, zone), _local_instant(day, closes, zone)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _yearly_copies(closure: Closure, around: datetime, zone: ZoneInfo):
    start, end = closure.start_at.astimezone(zone), closure.end_at.astimezone(zone)
    for year in (around.year - 1, around.year, around.year + 1):
        shift = year - start.year
        try:
            local_start = start.replace(year=start.year + shift, tzinfo=None)
            local_end = end.replace(year=end.year + shift, tzinfo=None)
        except ValueError:  # 29 February in a common year
            continue
        yield (
            local_start.replace(tzinfo=zone).astimezone(UTC),
            local_end.replace(tzinfo=zone).astimezone(UTC),
            closure,
        )


def closures_between(
    machine: Machine, start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime, Closure]]:
    """Closures (lab-wide or of this machine) meeting [start, end), yearly ones repeated."""
    scope = sa.or_(Closure.machine_id.is_(None), Closure.machine_id == machine.id)
    once = db.session.scalars(
        sa.select(Closure).where(
            scope, Closure.repeats_yearly.is_(False), Closure.start_at < end, Closure.end_at > start
        )
    ).all()
    found = [(c.start_at, c.end_at, c) for c in once]
    yearly = db.session.scalars(sa.select(Closure).where(scope, Closure.repeats_yearly.is_(True)))
    for closure in yearly:
        for copy_start, copy_end, source in _yearly_copies(closure, start.astimezone(zone), zone):
            if copy_start < end and copy_end > start:
                found.append((copy_start, copy_end, source))
    return sorted(found, key=lambda item: item[0])


# -- the checks -----------------------------------------------------------------


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def check_machine_status(machine: Machine) -> None:
    if not machine.is_bookable:
        raise RuleViolation(
            _("Machine status: %(machine)s cannot be booked right now.", machine=machine.name),
            rule="machine_status",
        )


def check_times(start: datetime, end: datetime, now: datetime, rules: EffectiveRules) -> None:
    if end <= start:
        raise RuleViolation(_("The end must be after the start."), rule="duration")
    if start < now:
        raise RuleViolation(_("Bookings cannot start in the past."), rule="past")
    if start < now + timedelta(minutes=rules.min_notice_minutes):
        raise RuleViolation(
            _(
                "Minimum notice: book at least %(minutes)s minutes ahead.",
                minutes=rules.min_notice_minutes,
            ),
            rule="min_notice",
        )


def check_slot_step(start: datetime, end: datetime, rules: EffectiveRules, zone) -> None:
    step = rules.slot_step_minutes
    for value in (start.astimezone(zone), end.astimezone(zone)):
        if value.second or value.microsecond or (value.hour * 60 + value.minute) % step:
            raise RuleViolation(
                _("Slot step: bookings start and end on %(step)s-minute steps.", step=step),
                rule="slot_step",
            )


def check_duration(start: datetime, end: datetime, rules: EffectiveRules) -> None:
    minutes = _minutes(end - start)
    if minutes < rules.min_duration_minutes:
        raise RuleViolation(
            _("Minimum duration: %(minutes)s minutes.", minutes=rules.min_duration_minutes),
            rule="min_duration",
        )
    if minutes > rules.max_duration_minutes:
        raise RuleViolation(
            _("Maximum duration: %(minutes)s minutes.", minutes=rules.max_duration_minutes),
            rule="max_duration",
        )


def check_advance(start: datetime, now: datetime, rules: EffectiveRules, zone) -> None:
    days_ahead = (start.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days_ahead > rules.max_advance_days:
        raise RuleViolation(
            _(
                "Booking horizon: you can book at most %(days)s days ahead.",
                days=rules.max_advance_days,
            ),
            rule="max_advance",
        )


def check_opening_hours(machine: Machine, start: datetime, end: datetime, zone) -> None:
    """Inside one opening interval; an unattended machine need only start inside one."""
    rows = opening_rows()
    if not rows:  # no opening hours configured: the lab has not restricted them
        return
    for interval_start, interval_end in opening_intervals_for_day(
        start.astimezone(zone).date(), rows, zone
    ):
        if machine.unattended_allowed:
            if interval_start <= start < interval_end:
                return
        elif interval_start <= start and end <= interval_end:
            return
    if machine.unattended_allowed:
        message = _("Opening hours: an unattended booking must start while the lab is open.")
    else:
        message = _("Opening hours: the booking must lie within the lab's opening hours.")
    raise RuleViolation(message, rule="opening_hours")


def check_closures(machine: Machine, start: datetime, end: datetime, zone) -> None:
    found = closures_between(machine, start, end, zone)
    if found:
        closure = found[0][2]
        raise RuleViolation(
            _(
                "Closure: the lab or machine is closed then (%(title)s).",
                title=closure.title or "-",
            ),
            rule="closure",
        )


def booked_minutes_in_week(
    *, user: User, machine: Machine, week_start: datetime, week_end: datetime, exclude_id=None
) -> int:
    from fablab.bookings.models import ACTIVE_STATUSES, Reservation

    query = (
        sa.select(Reservation)
        .join(Machine, Reservation.machine_id == Machine.id)
        .where(
            Reservation.user_id == user.id,
            Machine.kind == machine.kind,
            Reservation.status.in_(ACTIVE_STATUSES),
            Reservation.start_at >= week_start,
            Reservation.start_at < week_end,
        )
    )
    if exclude_id is not None:
        query = query.where(Reservation.id != exclude_id)
    return sum(_minutes(r.end_at - r.start_at) for r in db.session.scalars(query))


def check_quota(
    *, user: User, machine: Machine, start: datetime, end: datetime, rules, zone, exclude_id=None
) -> None:
    """Hours per person per local week (Monday to Monday) per machine kind."""
    if rules.weekly_quota_hours is None:
        return
    local_day = start.astimezone(zone).date()
    monday = local_day - timedelta(days=local_day.weekday())
    week_start = _local_instant(monday, time(0), zone)
    week_end = _local_instant(monday + timedelta(days=7), time(0), zone)
    used = booked_minutes_in_week(
        user=user, machine=machine, week_start=week_start, week_end=week_end, exclude_id=exclude_id
    )
    if used + _minutes(end - start) > rules.weekly_quota_hours * 60:
        raise RuleViolation(
            _(
                "Weekly quota: at most %(hours)s hours per week on this kind of machine "
                "(%(used)s already booked).",
                hours=rules.weekly_quota_hours,
                used=f"{used / 60:g} h",
            ),
            rule="weekly_quota",
        )


def check_booking_rules(
    *,
    machine: Machine,
    user: User,
    start: datetime,
    end: datetime,
    now: datetime,
    rules: EffectiveRules | None = None,
    exclude_id: int | None = None,
) -> None:
    """Raise RuleViolation naming the first rule the booking breaks."""
    rules = rules or resolve_rules(machine)
    zone = lab_zone()
    check_machine_status(machine)
    check_times(start, end, now, rules)
    check_slot_step(start, end, rules, zone)
    check_duration(start, end, rules)
    check_advance(start, now, rules, zone)
    check_opening_hours(machine, start, end, zone)
    check_closures(machine, start, end, zone)
    check_quota(
        user=user,
        machine=machine,
        start=start,
        end=end,
        rules=rules,
        zone=zone,
        exclude_id=exclude_id,
    )
