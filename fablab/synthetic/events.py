"""Events of the history: discovery days, trainings, company workshops, open labs."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fablab.events.models import (
    Audience,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from fablab.synthetic.bulk import Writer, next_id, reset_sequence
from fablab.synthetic.people import Population

# kind, audience, French and English titles, capacity, member / public / company price (cents)
PROGRAMME = (
    (EventKind.DISCOVERY_DAY, Audience.PUBLIC, "Journée découverte", "Discovery day", 20, 0, 0, 0),
    (EventKind.TRAINING, Audience.MEMBERS, "Formation découpe laser", "Laser training", 8)
    + (2000, 4000, 9000),
    (EventKind.COMPANY_WORKSHOP, Audience.COMPANIES, "Atelier entreprises", "Company workshop")
    + (12, 0, 0, 25000),
    (EventKind.OPEN_LAB, Audience.PUBLIC, "Open lab du jeudi", "Thursday open lab", 15, 0, 0, 0),
)
EVENT_COLUMNS = [
    "id",
    "kind",
    "title_fr",
    "title_en",
    "start_at",
    "end_at",
    "place",
    "capacity",
    "price_member_cents",
    "price_public_cents",
    "price_reduced_cents",
    "price_company_cents",
    "audience",
    "status",
    "cancelled_at",
    "created_by_id",
    "created_at",
    "updated_at",
]
REGISTRATION_COLUMNS = [
    "id",
    "event_id",
    "user_id",
    "email",
    "name",
    "company_name",
    "locale",
    "status",
    "category",
    "price_cents",
    "confirmed_at",
    "attended_at",
    "cancelled_at",
    "created_at",
    "updated_at",
    "first_visit",
]


def insert_events(
    *, first: date, until: date, population: Population, zone: ZoneInfo, rng: random.Random
) -> tuple[int, int]:
    """About four events a month, each with its registrations; (events, registrations)."""
    events = Writer(Event.__table__, EVENT_COLUMNS)
    registrations = Writer(Registration.__table__, REGISTRATION_COLUMNS, after=events)
    event_id, registration_id = next_id(Event.__table__), next_id(Registration.__table__)
    day = first + timedelta(days=(5 - first.weekday()) % 7)  # Saturdays
    last = until + timedelta(days=60)
    while day <= last:
        for week_event in _week(rng):
            kind, audience, title_fr, title_en, capacity, member, public, company = week_event
            start = datetime.combine(day, time(14), zone).astimezone(UTC)
            created = start - timedelta(days=30)
            cancelled = rng.random() < 0.03
            events.add(
                (event_id, kind.value, title_fr, title_en, start, start + timedelta(hours=3))
                + ("Grand atelier", capacity, member, public, member // 2, company)
                + (audience.value, EventStatus.CANCELLED if cancelled else EventStatus.PUBLISHED)
                + (start - timedelta(days=2) if cancelled else None, population.manager_id)
                + (created, created)
            )
            if not cancelled:
                people = _attendees(day, capacity, population, rng)
                for person in people:
                    price = {"member": member, "reduced": member // 2, "company": company}
                    registrations.add(
                        _registration(registration_id, event_id, person, price, start, until, rng)
                    )
                    registration_id += 1
            event_id += 1
        day += timedelta(days=7)
    events.flush()
    registrations.flush()
    reset_sequence(Event.__table__)
    reset_sequence(Registration.__table__)
    return events.written, registrations.written


def _week(rng: random.Random):
    return [programme for programme in PROGRAMME if rng.random() < 0.25]


def _attendees(day: date, capacity: int, population: Population, rng: random.Random):
    """Up to ``capacity`` different people who had joined by ``day``."""
    chosen = {}
    for _ in range(rng.randint(capacity // 3, capacity)):
        person = population.pick(day, rng)
        chosen[person.id] = person
    return list(chosen.values())


def _registration(registration_id, event_id, person, prices, start, until, rng) -> tuple:
    registered = start - timedelta(days=rng.randint(1, 25))
    status = RegistrationStatus.CONFIRMED.value
    cancelled = attended = None
    if rng.random() < 0.08:
        status, cancelled = RegistrationStatus.CANCELLED.value, start - timedelta(days=1)
    elif start.date() < until and rng.random() < 0.85:
        attended = start + timedelta(minutes=5)
    return (
        (registration_id, event_id, person.id, person.email)
        + (person.name, "", "fr", status, person.category, prices.get(person.category, 0))
        + (registered, attended, cancelled, registered, cancelled or registered, False)
    )
