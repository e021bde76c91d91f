"""Lab settings and opening hours services (validate, change, flush; the edge commits)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import g
from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import LabSettings, OpeningHours
from fablab.machines.settings import get_settings

SETTINGS_FIELDS = (
    "name", "legal_name", "siret", "vat_number", "address", "email", "phone", "timezone",
    "vat_rate_bp", "no_show_after_minutes",
    "slot_step_minutes", "min_duration_minutes", "max_duration_minutes", "max_advance_days",
    "min_notice_minutes", "cancel_deadline_hours", "buffer_minutes", "weekly_quota_hours",
)  # fmt: skip
INTERVAL = re.compile(r"^\s*(\d{1,2})[:hH](\d{2})\s*[-–—à]+\s*(\d{1,2})[:hH](\d{2})\s*$")


class SettingsError(DomainError):
    code = "invalid"


def is_valid_timezone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_settings_values(values: dict[str, Any]) -> None:
    if not (values.get("name") or "").strip():
        raise SettingsError(_l("The lab needs a name."), field="name")
    if not is_valid_timezone(values.get("timezone") or ""):
        raise SettingsError(
            _l("Unknown time zone: use a name such as Europe/Paris."), field="timezone"
        )
    vat = values.get("vat_rate_bp")
    if vat is None or not 0 <= vat <= 10000:
        raise SettingsError(_l("The VAT rate must lie between 0 and 100 %."), field="vat_rate_bp")
    siret = (values.get("siret") or "").replace(" ", "")
    if siret and not (siret.isdigit() and len(siret) == 14):
        raise SettingsError(_l("A SIRET has 14 digits."), field="siret")
    no_show = values.get("no_show_after_minutes")
    if no_show is None or no_show < 0:
        raise SettingsError(
            _l("The no-show delay must be zero or more minutes."), field="no_show_after_minutes"
        )


def update_settings(*, values: dict[str, Any]) -> LabSettings:
    """Change the lab settings after validating every value."""
    values = dict(values)
    values["siret"] = (values.get("siret") or "").replace(" ", "")
    check_settings_values(values)
    settings = get_settings()
    for field in SETTINGS_FIELDS:
        if field in values:
            value = values[field]
            setattr(settings, field, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    g.pop("_lab_settings", None)
    return settings


# --- opening hours ----------------------------------------------------------------------------


def parse_intervals(text: str) -> list[tuple[time, time]]:
    """Parse "10:00-12:30, 14:00-19:00" into sorted, non-overlapping (opens, closes) pairs.

    Raises SettingsError for a bad format, an interval that closes before it opens,
    or intervals that overlap.
    """
    intervals = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        match = INTERVAL.match(part)
        if match is None:
            raise SettingsError(
                _l("Write intervals as 10:00-12:30, separated by commas: “%(part)s”.", part=part)
            )
        h1, m1, h2, m2 = (int(x) for x in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise SettingsError(_l("“%(part)s” is not a valid time.", part=part))
        opens = time(h1, m1)
        closes = time(23, 59) if h2 == 24 else time(h2, m2)
        if closes <= opens:
            raise SettingsError(_l("“%(part)s” closes before it opens.", part=part))
        intervals.append((opens, closes))
    intervals.sort()
    if any(nxt[0] < cur[1] for cur, nxt in pairwise(intervals)):
        raise SettingsError(_l("Two intervals of this day overlap."))
    return intervals


def format_intervals(rows: Iterable[OpeningHours]) -> str:
    return ", ".join(
        f"{row.opens_at:%H:%M}-{row.closes_at:%H:%M}"
        for row in sorted(rows, key=lambda r: r.opens_at)
    )


def opening_hours_by_weekday() -> dict[int, list[OpeningHours]]:
    rows = db.session.scalars(
        sa.select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens_at)
    )
    week: dict[int, list[OpeningHours]] = {day: [] for day in range(7)}
    for row in rows:
        week[row.weekday].append(row)
    return week


def set_opening_hours(*, week: dict[int, list[tuple[time, time]]]) -> None:
    """Replace the opening hours of the given weekdays (0 = Monday) with the intervals."""
    for weekday, intervals in week.items():
        if not 0 <= weekday <= 6:
            raise SettingsError(_l("Unknown weekday."))
        ordered = sorted(intervals)
        if any(closes <= opens for opens, closes in ordered):
            raise SettingsError(_l("An interval closes before it opens."), weekday=weekday)
        if any(nxt[0] < cur[1] for cur, nxt in pairwise(ordered)):
            raise SettingsError(_l("Two intervals of this day overlap."), weekday=weekday)
    for weekday, intervals in week.items():
        db.session.execute(sa.delete(OpeningHours).where(OpeningHours.weekday == weekday))
        for opens, closes in intervals:
            db.session.add(OpeningHours(weekday=weekday, opens_at=opens, closes_at=closes))
    db.session.flush()
