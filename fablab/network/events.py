"""The regional events calendar: every member lab's public events feed, merged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as VEvent

from fablab.icaltools import fix_timezones
from fablab.machines.zone import lab_zone
from fablab.network.models import NetworkLab
from fablab.network.services import all_labs
from fablab.timeutil import utcnow

PRODID = "-//fablab//regional network events//EN"


@dataclass(frozen=True)
class RegionalEvent:
    lab: str
    lab_id: int
    summary: str
    start: datetime
    end: datetime | None
    url: str
    location: str
    cancelled: bool


def _events_of(lab: NetworkLab) -> list[VEvent]:
    document = lab.document("events")
    if document is None or not document.body:
        return []
    try:
        calendar = Calendar.from_ical(document.body)
    except Exception:  # stored copies were validated; a parser change must not break the page
        return []
    return [c for c in calendar.walk("VEVENT")]


def _instant(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=lab_zone())
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), tzinfo=lab_zone())
    raise ValueError("not a date")


def regional_events(*, since: datetime | None = None) -> list[RegionalEvent]:
    """Events of every member lab ending after ``since`` (default: now), soonest first."""
    since = since or utcnow()
    found = []
    for lab in all_labs():
        for vevent in _events_of(lab):
            try:
                start = _instant(vevent.decoded("dtstart"))
                end = _instant(vevent.decoded("dtend")) if "dtend" in vevent else None
            except (KeyError, ValueError):
                continue
            if (end or start) < since:
                continue
            found.append(
                RegionalEvent(
                    lab=lab.label,
                    lab_id=lab.id,
                    summary=str(vevent.get("summary", ""))[:300],
                    start=start,
                    end=end,
                    url=str(vevent.get("url", ""))[:500],
                    location=str(vevent.get("location", ""))[:300],
                    cancelled=str(vevent.get("status", "")).upper() == "CANCELLED",
                )
            )
    return sorted(found, key=lambda e: e.start)


def merged_calendar() -> bytes:
    """One iCalendar of every lab's events; each summary names its lab, UIDs stay unique."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Réseau régional des fab labs")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    seen: set[str] = set()
    for lab in all_labs():
        for vevent in _events_of(lab):
            uid = f"{lab.id}-{vevent.get('uid', '')}"
            if uid in seen:
                continue
            seen.add(uid)
            vevent["uid"] = uid
            vevent["summary"] = f"{lab.label} · {vevent.get('summary', '')}"
            calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return fix_timezones(calendar).to_ical()
