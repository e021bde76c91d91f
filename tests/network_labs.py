"""Seed a member lab for the multi-process network test: `python -m tests.network_labs PROFILE`.

Run with DATABASE_URL pointing at the lab's own database: it is migrated, then every state is
reached through the app's services: accounts, bookings made by the manager for
members in October 2026, usage sessions with material, and the manager's opt-in.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time

from flask_migrate import upgrade

from fablab import create_app
from fablab.accounts.models import Company
from fablab.accounts.services import register_user
from fablab.bookings.services import create_reservation
from fablab.extensions import db
from fablab.machines.lab import SETTINGS_FIELDS, update_settings
from fablab.machines.models import Machine, OpeningHours
from fablab.machines.settings import get_settings
from fablab.machines.zone import lab_zone
from fablab.public.opendata import set_material_profile, update_open_data_settings
from fablab.transaction import commit
from fablab.usage.services import start_session, stop_session

PASSWORD = "network-test-password"
# (city, members booking in October, how many of them book for their own company, grams)
PROFILES = {
    "lyon": ("Lyon", 6, 5, 900),
    "grenoble": ("Grenoble", 3, 1, 300),  # small counts: published as null
    "annecy": ("Annecy", 8, 0, 0),
}
BEFORE = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=lab_zone())


def seed(profile: str) -> None:
    city, members, employees, grams = PROFILES[profile]
    current = get_settings()
    values = {field: getattr(current, field) for field in SETTINGS_FIELDS}
    update_settings(values={**values, "name": f"Fab Lab {city}", "timezone": "Europe/Paris"})
    manager = register_user(
        email=f"manager@{profile}.example.org", password=PASSWORD, role="manager"
    )
    for weekday in range(7):
        db.session.add(OpeningHours(weekday=weekday, opens_at=time(8), closes_at=time(20)))
    printer = Machine(name=f"Printer {city}", kind="3d_printer", consumable_unit="gram")
    laser = Machine(name=f"Laser {city}", kind="laser_cutter")
    db.session.add_all([printer, laser])
    for n in range(members):
        company = None
        if n < employees:
            company = Company(
                legal_name=f"Company {n} of {city}", contact_email=f"b{n}@{profile}.org"
            )
            db.session.add(company)
        person = register_user(
            email=f"person{n}@{profile}.example.org",
            password=PASSWORD,
            name=f"Person {n} of {city}",
            company=company,
            category="company" if company else "member",
        )
        create_reservation(
            machine=printer if n % 2 else laser,
            user=person,
            start=at(5 + n, 9),
            end=at(5 + n, 11),
            by=manager,
            company=company,
            override_rules=True,
            now=BEFORE,
        )
    if grams:
        set_material_profile(machine=printer, material="PLA", recycled=True, bio_sourced=False)
        session = start_session(machine=printer, user=manager, source="manager", at=at(20, 9))
        stop_session(session=session, at=at(20, 12), consumables=str(grams))
    update_open_data_settings(
        publish_lab=True, publish_activity=True, publish_events=True, city=city
    )


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        upgrade()
        seed(sys.argv[1])
        commit()
