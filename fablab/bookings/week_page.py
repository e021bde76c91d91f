"""What the booking pages show around the week grid: the price quote of the chosen slot,
the next training for a missing qualification, the waitlist after a lost race, and the
next open day when the lab is closed.

The next training comes from the events domain; it is looked up here, beside the
views, so that the booking services never import the events services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.billing.quote import Quote, quote_slot
from fablab.bookings import availability
from fablab.bookings.rules import closures_between
from fablab.events.models import Event
from fablab.events.queries import next_training_for
from fablab.formatting import format_datetime
from fablab.machines.models import Machine
from fablab.machines.zone import lab_zone, local_to_utc

# How far the "next open day" search looks ahead.
OPEN_DAY_SEARCH_DAYS = 60


@dataclass(frozen=True)
class Training:
    """The next training that grants a machine's qualification, ready to show."""

    title: str
    when: str  # day and time without seconds, in the page's language
    url: str


def when_text(moment: datetime) -> str:
    """A day and a time for a sentence, e.g. "10 déc. 2026, 18:00" (never seconds)."""
    return format_datetime(moment, "medium")


def next_training(machine: Machine) -> Training | None:
    """The next published training granting the machine's qualification, if any."""
    if machine.required_qualification is None:
        return None
    event: Event | None = next_training_for(machine.required_qualification)
    if event is None:
        return None
    return Training(
        title=event.title_for(str(get_locale() or "fr")),
        when=when_text(event.start_at),
        url=url_for("events.detail", event_id=event.id),
    )


def qualification_refusal(machine: Machine, training: Training | None) -> str:
    """The refusal shown after confirming without the qualification (the link is beside it)."""
    message = _(
        "Booking %(machine)s needs the qualification “%(qualification)s”.",
        machine=machine.name,
        qualification=machine.required_qualification.name,  # type: ignore[union-attr]
    )
    if training is not None:
        message += " " + _("Next training: %(date)s.", date=training.when)
    return message


def quote_for(
    machine: Machine, user: User, times: tuple[datetime, datetime] | None, on_company: bool
) -> Quote | None:
    """The quote of the slot in the form, when the form holds one."""
    if times is None:
        return None
    company = user.company if on_company else None
    return quote_slot(machine=machine, user=user, start=times[0], end=times[1], company=company)


def waitlist_slot(machine: Machine, form) -> dict | None:
    """The slot a lost race was for, as the waitlist form's fields."""
    if not (form.day.data and form.start_time.data and form.end_time.data):
        return None
    return {
        "machine_id": machine.id,
        "day": form.day.data.isoformat(),
        "start_time": form.start_time.data.strftime("%H:%M"),
        "end_time": form.end_time.data.strftime("%H:%M"),
    }


# -- closed days -------------------------------------------------------------------------


def _lab_wide_closed(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    # A machine id no closure has: only the lab-wide closures (machine_id NULL) match.
    nobody = SimpleNamespace(id=-1)
    return [(s, e) for s, e, _c in closures_between(nobody, start, end, lab_zone())]  # type: ignore[arg-type]


def is_open_day(day: date) -> bool:
    """Whether the lab opens on ``day``: opening hours left once lab-wide closures are out."""
    start = local_to_utc(day, datetime.min.time())
    end = local_to_utc(day + timedelta(days=1), datetime.min.time())
    opening = availability.opening_intervals(start, end)
    return bool(availability.subtract(opening, _lab_wide_closed(start, end)))


def next_open_day(after: date) -> date | None:
    """The first open day after ``after`` (within two months), or None."""
    for offset in range(1, OPEN_DAY_SEARCH_DAYS + 1):
        day = after + timedelta(days=offset)
        if is_open_day(day):
            return day
    return None
