"""Demo events: a laser-safety training and a public discovery day in the coming weeks."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from fablab.accounts.models import Role, User
from fablab.events.models import Event
from fablab.events.services import create_event, publish_event
from fablab.extensions import db
from fablab.machines.models import Qualification
from fablab.machines.zone import local_to_utc
from fablab.timeutil import utcnow

LASER_QUALIFICATION = "Sécurité découpe laser"


def next_weekday(after: date, weekday: int, at_least_days: int) -> date:
    day = after + timedelta(days=at_least_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _training(day: date, laser: Qualification | None) -> dict:
    return dict(
        kind="training",
        title_fr="Sécurité découpe laser",
        title_en="Laser cutter safety",
        description_fr=(
            "Formation obligatoire avant d'utiliser la découpeuse laser : risques, "
            "matériaux autorisés, réglages et arrêt d'urgence. Elle donne la qualification "
            "« Sécurité découpe laser » pour deux ans."
        ),
        description_en=(
            "Required before using the laser cutter: hazards, allowed materials, settings "
            "and the emergency stop. It grants the laser safety qualification for two years."
        ),
        start_at=local_to_utc(day, time(18)),
        end_at=local_to_utc(day, time(20)),
        place="Salle laser",
        capacity=6,
        price_member_cents=2000,
        price_public_cents=4000,
        price_reduced_cents=1000,
        price_company_cents=9000,
        audience="public",
        qualification_id=laser.id if laser else None,
    )


def _discovery_day(day: date) -> dict:
    return dict(
        kind="discovery_day",
        title_fr="Journée découverte",
        title_en="Discovery day",
        description_fr=(
            "Venez découvrir le fab lab : démonstrations d'impression 3D et de découpe "
            "laser, visite des ateliers. Gratuit, ouvert à toutes et à tous."
        ),
        description_en=(
            "Discover the fab lab: 3D printing and laser cutting demos, a tour of the "
            "workshops. Free and open to everyone."
        ),
        start_at=local_to_utc(day, time(14)),
        end_at=local_to_utc(day, time(17)),
        place="Grand atelier",
        capacity=30,
        audience="public",
    )


def seed_events() -> list[Event]:
    """Create and publish the demo events (inside the caller's transaction)."""
    manager = db.session.scalar(
        sa.select(User).where(User.role.in_([Role.MANAGER, Role.ADMIN])).order_by(User.id)
    )
    laser = db.session.scalar(
        sa.select(Qualification).where(Qualification.name == LASER_QUALIFICATION)
    )
    today = utcnow().date()
    events = [
        # A Thursday evening a week or more ahead, a Saturday afternoon after it.
        create_event(by=manager, values=_training(next_weekday(today, 3, 7), laser)),
        create_event(by=manager, values=_discovery_day(next_weekday(today, 5, 10))),
    ]
    for event in events:
        publish_event(event=event)
    return events
