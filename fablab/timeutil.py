"""Time helpers: everything is stored in UTC and shown in a zone given by the caller.

The lab's own zone comes from its settings: ``fablab.machines.zone`` looks it up
and builds on these (a time helper never reaches into a domain).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """The same instant, on the wall clock of ``zone``."""
    return value.astimezone(zone)


def wall_clock_to_utc(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time in ``zone`` (DST-aware)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
