"""Demo bookings: a few upcoming reservations so the calendars are not empty."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.bookings.services import create_reservation
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.zone import lab_zone, local_to_utc
from fablab.timeutil import utcnow

# (e-mail, machine name, days after next Monday, from, to, on the company's account)
DEMO_BOOKINGS = [
    ("member@example.org", "Prusa MK4 #2", 3, time(14), time(16), False),
    ("member@example.org", "Prusa MK4 #2", 10, time(10), time(12), False),
    ("employee@example.org", "Fraiseuse CNC Shaper", 4, time(10), time(12), True),
]


def seed_bookings() -> int:
    """Book the demo reservations through the rules; skip any the rules refuse."""
    today = utcnow().astimezone(lab_zone()).date()
    next_monday = today + timedelta(days=7 - today.weekday())
    booked = 0
    for email, machine_name, offset, start, end, company in DEMO_BOOKINGS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        machine = db.session.scalar(sa.select(Machine).where(Machine.name == machine_name))
        if user is None or machine is None:
            continue
        day: date = next_monday + timedelta(days=offset)
        try:
            create_reservation(
                machine=machine,
                user=user,
                start=local_to_utc(day, start),
                end=local_to_utc(day, end),
                company=user.company if company else None,
            )
            booked += 1
        except DomainError:  # a closure or a rule of the demo lab: no demo booking then
            continue
    return booked
