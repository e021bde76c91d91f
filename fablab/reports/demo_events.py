"""Demo outreach for the reports: past discovery days, trainings and company workshops.

Events are created and published with the events services, with their partner
organisations; registrations of the past are
written as confirmed (the e-mailed link was followed), and attendance is recorded with the
check-in service, which grants the training's qualification as it would at the door.
"""

from __future__ import annotations

import random
from datetime import time, timedelta

import sqlalchemy as sa

from fablab.accounts.models import Role, User
from fablab.events.checkin import record_attendance
from fablab.events.models import Registration
from fablab.events.partners import add_partner, set_event_partners
from fablab.events.services import create_event, publish_event
from fablab.extensions import db
from fablab.machines.models import Qualification
from fablab.machines.zone import local_to_utc
from fablab.reports.periods import Period

LASER = "Sécurité découpe laser"
VISITOR_COMPANIES = ["", "", "", "Menuiserie Rivière", "Lycée Ampère", "Studio Graphique 69"]
KINDS = [
    ("discovery_day", "Journée découverte", "Discovery day", "public", 14, 17),
    ("training", "Sécurité découpe laser", "Laser cutter safety", "public", 18, 20),
    (
        "company_workshop",
        "Atelier prototypage entreprises",
        "Prototyping for companies",
        "companies",
        9,
        12,
    ),
]


PARTNERS = [
    ("Lycée Ampère", "school", "Lyon", "https://lycee-ampere.example.org"),
    ("Université Lyon 1 - IUT", "university", "Villeurbanne", ""),
    ("CCI Lyon Métropole", "chamber_of_commerce", "Lyon", "https://cci.example.org"),
    ("Cluster Plastipolis", "cluster", "Oyonnax", ""),
    ("Association Les Petits Débrouillards", "association", "Lyon", ""),
]
# Which partners join each kind of event (indexes in PARTNERS).
PARTNERS_BY_KIND = {"discovery_day": [0, 4], "training": [1], "company_workshop": [2, 3]}


def seed_past_events(months: list[Period], rng: random.Random) -> None:
    """One event a month, kinds in turn, each with a few attendees and its partners."""
    manager = db.session.scalar(
        sa.select(User).where(User.role.in_([Role.MANAGER, Role.ADMIN])).order_by(User.id)
    )
    members = list(db.session.scalars(sa.select(User).where(User.role == Role.MEMBER.value)))
    laser = db.session.scalar(sa.select(Qualification).where(Qualification.name == LASER))
    if manager is None:
        return
    partners = [
        add_partner(values={"name": name, "kind": kind, "town": town, "website": web})
        for name, kind, town, web in PARTNERS
    ]
    for index, month in enumerate(months):
        kind, title_fr, title_en, audience, opens, closes = KINDS[index % len(KINDS)]
        day = month.start + timedelta(
            days=12 + (5 - (month.start + timedelta(days=12)).weekday()) % 7
        )
        event = create_event(
            by=manager,
            values=dict(
                kind=kind,
                title_fr=title_fr,
                title_en=title_en,
                description_fr=title_fr,
                description_en=title_en,
                start_at=local_to_utc(day, time(opens)),
                end_at=local_to_utc(day, time(closes)),
                place="Grand atelier",
                capacity=20,
                audience=audience,
                qualification_id=laser.id if laser and kind == "training" else None,
            ),
        )
        publish_event(event=event)
        set_event_partners(event=event, partners=[partners[i] for i in PARTNERS_BY_KIND[kind]])
        taken: set[int] = set()
        for number in range(rng.randint(4, 12)):
            member = rng.choice(members) if rng.random() < 0.3 else None
            if member is not None and member.id in taken:
                continue
            taken.add(member.id if member else 0)
            registration = Registration(
                event_id=event.id,
                user_id=member.id if member else None,
                email=member.email if member else f"visiteur{index}-{number}@example.org",
                name=member.name if member else f"Visiteur {index}-{number}",
                company_name=rng.choice(VISITOR_COMPANIES) if not member else "",
                status="confirmed",
                first_visit=member is None and rng.random() < 0.7,
            )
            db.session.add(registration)
            db.session.flush()
            if rng.random() < 0.85:
                record_attendance(registration=registration, by=manager, now=event.start_at)
