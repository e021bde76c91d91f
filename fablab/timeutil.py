"""Time helpers: everything is stored in UTC and shown in the lab's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def lab_zone() -> ZoneInfo:
    """The lab's time zone, from the lab settings or FABLAB_TIMEZONE."""
    from fablab.machines.settings import get_settings

    name = get_settings().timezone or current_app.config["FABLAB_TIMEZONE"]
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    return value.astimezone(lab_zone())


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time in the lab's zone (DST-aware)."""
    return datetime.combine(day, at, tzinfo=lab_zone()).astimezone(UTC)
