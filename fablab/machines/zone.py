"""The lab's time zone (lab settings, else FABLAB_TIMEZONE) and conversions to it."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from fablab.machines.settings import get_settings
from fablab.timeutil import in_zone, wall_clock_to_utc


def lab_zone() -> ZoneInfo:
    """The lab's time zone, from the lab settings or FABLAB_TIMEZONE."""
    name = get_settings().timezone or current_app.config["FABLAB_TIMEZONE"]
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    """An instant on the lab's wall clock."""
    return in_zone(value, lab_zone())


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in the lab's zone (DST-aware)."""
    return wall_clock_to_utc(day, at, lab_zone())
