"""The iCalendar feeds (RFC 5545): a person's, a company's, a machine's, the lab's events.

Every VEVENT has a stable UID and the row's SEQUENCE; times are written in the
lab's zone with its VTIMEZONE; cancelled bookings and events stay for a while as
``STATUS:CANCELLED`` (see ``scopes``). A reservation's VEVENT is the one the
confirmation e-mail carries (``fablab.bookings.ics.reservation_event``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from fablab.accounts.models import Company, User
from fablab.bookings.ics import reservation_event, uid_host
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.calendars import scopes
from fablab.events.ical import event_vevent
from fablab.events.models import Event, Registration, RegistrationStatus
from fablab.extensions import db
from fablab.icaltools import fix_timezones
from fablab.machines.models import Machine
from fablab.machines.settings import get_settings
from fablab.machines.zone import lab_zone, to_local
from fablab.timeutil import utcnow
from fablab.urls import external_url

PRODID = "-//fablab//calendar feeds//EN"
# Calendar apps should refetch every hour (REFRESH-INTERVAL and X-PUBLISHED-TTL).
REFRESH = timedelta(hours=1)


def _reservations(where: ColumnElement[bool]) -> list[Reservation]:
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .where(where)
            .options(selectinload(Reservation.machine), selectinload(Reservation.user))
            .order_by(Reservation.start_at, Reservation.id)
        )
    )


def busy_block(reservation: Reservation) -> VEvent:
    """A machine's busy time: no person, no note, only when (buffer included)."""
    block = VEvent()
    block.add("uid", f"busy-{reservation.id}@{uid_host()}")
    block.add("dtstamp", reservation.updated_at or utcnow())
    block.add("sequence", reservation.sequence or 0)
    block.add("dtstart", to_local(reservation.start_at))
    block.add("dtend", to_local(reservation.blocked_until or reservation.end_at))
    block.add("summary", _("Booked"))
    block.add("class", "PUBLIC")
    block.add("transp", "OPAQUE")
    gone = reservation.status in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED)
    block.add("status", "CANCELLED" if gone else "CONFIRMED")
    return block


def lab_event(event: Event, *, locale: str, cancelled: bool = False, waitlisted: bool = False):
    """The VEVENT of a lab event, as its e-mails carry it (``fablab.events.ical``).

    ``cancelled`` marks a registration the person left, ``waitlisted`` a seat
    not yet given: both change only this person's copy.
    """
    component = event_vevent(event, locale, _event_url(event))
    _replace(component, "dtstamp", event.updated_at or utcnow())
    if cancelled:
        _replace(component, "sequence", (event.sequence or 0) + 1)
        _replace(component, "status", "CANCELLED")
    elif waitlisted and not event.is_cancelled:
        _replace(component, "summary", _("%(title)s (waiting list)", title=event.title_for(locale)))
        _replace(component, "status", "TENTATIVE")
    return component


def _replace(component: VEvent, name: str, value: object) -> None:
    component.pop(name.upper(), None)
    component.add(name, value)


def _event_url(event: Event) -> str | None:
    if "events.detail" not in current_app.view_functions:
        return None
    return external_url("events.detail", event_id=event.id)


def assemble(*, name: str, uid: str, components: Iterable[VEvent]) -> bytes:
    """A VCALENDAR with the feed headers and the lab zone's VTIMEZONE."""
    zone = lab_zone()
    calendar = Calendar.new(name=name, prodid=PRODID, uid=uid)
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-timezone", str(zone))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for component in components:
        calendar.add_component(component)
    today = utcnow().date()
    first, last = date(today.year - 2, 1, 1), date(today.year + 3, 1, 1)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    if not calendar.timezones:
        calendar.add_component(Timezone.from_tzid(str(zone), first_date=first, last_date=last))
    return fix_timezones(calendar).to_ical()


def _lab_name() -> str:
    return get_settings().name or "Fab Lab"


def user_feed(user: User, *, now: datetime | None = None) -> bytes:
    """The person's bookings and the events they registered to, in their language."""
    now = now or utcnow()
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        components = [
            reservation_event(r) for r in _reservations(scopes.user_reservations(user, now))
        ]
        components += _registration_events(user, now, locale)
        name = _("%(lab)s – my bookings", lab=_lab_name())
    return assemble(name=name, uid=f"feed-user-{user.id}@{uid_host()}", components=components)


def _registration_events(user: User, now: datetime, locale: str) -> list[VEvent]:
    rows = db.session.execute(
        sa.select(Registration, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(scopes.user_registrations(user, now))
        .order_by(Event.start_at, Registration.id)
    ).all()
    # One VEVENT per event (one UID): a seat wins over an older cancelled registration.
    chosen: dict[int, Registration] = {}
    for registration, _event in rows:
        kept = chosen.get(registration.event_id)
        if kept is None or registration.status != RegistrationStatus.CANCELLED:
            chosen[registration.event_id] = registration
    return [
        lab_event(
            reg.event,
            locale=locale,
            cancelled=reg.status == RegistrationStatus.CANCELLED,
            waitlisted=reg.status == RegistrationStatus.WAITLISTED,
        )
        for reg in chosen.values()
    ]


def company_feed(company: Company, *, now: datetime | None = None) -> bytes:
    """Every employee's bookings, named, for the company contact."""
    now = now or utcnow()
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        components = []
        for reservation in _reservations(scopes.company_reservations(company, now)):
            component = reservation_event(reservation)
            _replace(
                component,
                "summary",
                _(
                    "%(machine)s – %(person)s",
                    machine=reservation.machine.name,
                    person=reservation.user.display_name,
                ),
            )
            components.append(component)
        name = _("%(lab)s – %(company)s", lab=_lab_name(), company=company.legal_name)
    return assemble(name=name, uid=f"feed-company-{company.id}@{uid_host()}", components=components)


def machine_feed(machine: Machine, *, locale: str, now: datetime | None = None) -> bytes:
    """When the machine is busy, without any person's name."""
    now = now or utcnow()
    with force_locale(locale):
        components = [
            busy_block(r) for r in _reservations(scopes.machine_reservations(machine, now))
        ]
        name = _("%(lab)s – %(machine)s", lab=_lab_name(), machine=machine.name)
    return assemble(name=name, uid=f"feed-machine-{machine.id}@{uid_host()}", components=components)


def events_feed(*, locale: str, now: datetime | None = None) -> bytes:
    """The lab's published events."""
    now = now or utcnow()
    events = db.session.scalars(
        sa.select(Event).where(scopes.public_events(now)).order_by(Event.start_at, Event.id)
    )
    with force_locale(locale):
        components = [lab_event(e, locale=locale) for e in events]
        name = _("%(lab)s – events", lab=_lab_name())
    return assemble(name=name, uid=f"feed-events@{uid_host()}", components=components)
