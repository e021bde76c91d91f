"""iCalendar (.ics) for reservations: one VEVENT per booking.

The UID is stable (``reservation-<id>@<host>``) and SEQUENCE follows
``reservation.sequence``, so a calendar client replaces the event it already
has when the booking moves or is cancelled. Times are written in the lab's zone
with its VTIMEZONE. The summary names the machine, never the person, so the
same event can go into shared feeds (see fablab/calendars).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from icalendar import Calendar, Event

from fablab.bookings.models import Reservation, ReservationStatus
from fablab.icaltools import fix_timezones
from fablab.machines.settings import get_settings
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.urls import uid_host

PRODID = "-//fablab//bookings//EN"

_ICS_STATUS = {
    ReservationStatus.HELD.value: "TENTATIVE",
    ReservationStatus.CONFIRMED.value: "CONFIRMED",
    ReservationStatus.COMPLETED.value: "CONFIRMED",
}


def reservation_uid(reservation: Reservation) -> str:
    return f"reservation-{reservation.id}@{uid_host()}"


def ics_status(reservation: Reservation) -> str:
    """CONFIRMED, TENTATIVE (payment pending) or CANCELLED (cancelled, expired, no-show)."""
    return _ICS_STATUS.get(reservation.status, "CANCELLED")


def reservation_event(reservation: Reservation) -> Event:
    """The VEVENT of one reservation (no person's name in it)."""
    machine = reservation.machine
    event = Event()
    event.add("uid", reservation_uid(reservation))
    event.add("dtstamp", reservation.updated_at or utcnow())
    event.add("sequence", reservation.sequence or 0)
    event.add("dtstart", to_local(reservation.start_at))
    event.add("dtend", to_local(reservation.end_at))
    event.add("summary", _("Booking: %(machine)s", machine=machine.name))
    location = ", ".join(part for part in (machine.location, get_settings().name) if part)
    if location:
        event.add("location", location)
    event.add("status", ics_status(reservation))
    if reservation.created_at:
        event.add("created", reservation.created_at)
    return event


def calendar_of(events: Iterable[Event], *, method: str | None = "PUBLISH") -> Calendar:
    """A VCALENDAR holding ``events`` and the VTIMEZONE they use."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    today = utcnow().date()
    calendar.add_missing_timezones(
        first_date=date(today.year - 2, 1, 1), last_date=date(today.year + 3, 1, 1)
    )
    return fix_timezones(calendar)


def reservation_ics(reservation: Reservation) -> bytes:
    """A whole .ics file for one reservation (e.g. a mail attachment)."""
    return calendar_of([reservation_event(reservation)]).to_ical()


def reservations_ics(reservations: Iterable[Reservation]) -> bytes:
    """One .ics file for several reservations (a recurring series)."""
    return calendar_of(reservation_event(r) for r in reservations).to_ical()
