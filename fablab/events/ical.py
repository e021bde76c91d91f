"""The iCalendar (RFC 5545) form of an event: the attachment of event e-mails.

The same UID and SEQUENCE are used by the lab's feeds, so a calendar app that
got the e-mail and subscribes to a feed sees one event, updated in place.
"""

from __future__ import annotations

from icalendar import Calendar
from icalendar import Event as VEvent

from fablab.events.models import Event
from fablab.icaltools import fix_timezones
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.urls import uid_host

PRODID = "-//fablab//events//FR"


def ical_host() -> str:
    """The host name used in UIDs (stable: from FABLAB_BASE_URL, not the request)."""
    return uid_host()


def event_uid(event: Event) -> str:
    return f"event-{event.id}@{ical_host()}"


def event_vevent(event: Event, locale: str | None = None, url: str | None = None) -> VEvent:
    """A VEVENT for ``event`` in the lab's zone, titled in ``locale``."""
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", event.updated_at or utcnow())  # stable: feeds keep their ETag
    vevent.add("dtstart", to_local(event.start_at))
    vevent.add("dtend", to_local(event.end_at))
    vevent.add("summary", event.title_for(locale))
    description = event.description_for(locale)
    if description:
        vevent.add("description", description)
    if event.place:
        vevent.add("location", event.place)
    if url:
        vevent.add("url", url)
    vevent.add("sequence", event.sequence or 0)
    vevent.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    vevent.add("last-modified", event.updated_at or utcnow())
    vevent.add("categories", [event.kind])
    return vevent


def event_calendar(event: Event, locale: str | None = None, url: str | None = None) -> bytes:
    """A whole VCALENDAR (with its VTIMEZONE) holding the one event."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event_vevent(event, locale, url))
    calendar.add_missing_timezones()
    return fix_timezones(calendar).to_ical()
