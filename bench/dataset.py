"""A throwaway lab: migrated like production, then filled with bulk inserts (no ORM per row)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from fablab.accounts.models import User
from fablab.accounts.tokens import create_api_token
from fablab.bookings.models import Reservation
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.seed import seed_lab_settings
from fablab.synthetic.people import FIRST_NAMES, LAST_NAMES

CHUNK = 5000
KINDS = ["3d_printer", "laser_cutter", "cnc_mill", "3d_printer", "vinyl_cutter"]


@dataclass
class Lab:
    manager_token: str
    manager_id: int
    people: int
    bookings: int
    machine_ids: list[int]
    busiest_person_email: str


def build(*, people: int, bookings: int, machines: int, seed: int = 16) -> Lab:
    """Migrate the app's database and fill it (inside an app context)."""
    upgrade(revision="heads")
    seed_lab_settings()
    manager = User(email="manager@bench.example", name="Bench Manager", role="manager")
    manager.password_hash = "-"  # nobody logs in with a password here
    db.session.add(manager)
    _, token = create_api_token(user=manager, name="bench")
    machine_rows = [_machine(n) for n in range(machines)]
    db.session.add_all(machine_rows)
    db.session.commit()
    rng = random.Random(seed)
    user_ids = _insert_people(people, rng)
    machine_ids = [m.id for m in machine_rows]
    _insert_bookings(bookings, machine_ids, user_ids, rng)
    busiest = db.session.execute(
        sa.select(User.email)
        .join(Reservation, Reservation.user_id == User.id)
        .group_by(User.email)
        .order_by(sa.func.count().desc())
        .limit(1)
    ).scalar()
    return Lab(token, manager.id, people, bookings, machine_ids, busiest or manager.email)


def _machine(n: int) -> Machine:
    return Machine(
        name=f"Machine {n + 1:02d}",
        kind=KINDS[n % len(KINDS)],
        rate_member_cents=300,
        rate_public_cents=500,
        rate_reduced_cents=200,
        rate_company_cents=1200,
    )


def _insert_people(count: int, rng: random.Random) -> list[int]:
    password_hash = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
    rows = [
        {
            "email": f"person{n}@bench.example",
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n}",
            "password_hash": password_hash,
            "role": "member",
            "category": "member",
            "locale": "fr",
        }
        for n in range(count)
    ]
    _insert(User.__table__, rows)
    return list(db.session.scalars(sa.select(User.id).where(User.role == "member")))


def _insert_bookings(count: int, machine_ids, user_ids, rng: random.Random) -> None:
    """History on a 3-hour grid: every machine booked at the same hours, up to two weeks ahead."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    per_machine = -(-count // len(machine_ids))
    first = datetime.combine(now.date() + timedelta(days=14), time(9), UTC)
    first -= timedelta(hours=3 * per_machine)
    rows, made = [], 0
    for slot in range(per_machine):
        start = first + timedelta(hours=3 * slot)
        for machine_id in machine_ids:
            if made == count:
                break
            end = start + timedelta(hours=rng.choice((1, 1, 2, 2, 3)))
            rows.append(_booking(machine_id, rng.choice(user_ids), start, end, now, rng))
            made += 1
        if len(rows) >= CHUNK:
            _insert(Reservation.__table__, rows)
            rows = []
    _insert(Reservation.__table__, rows)


def _booking(machine_id, user_id, start, end, now, rng) -> dict:
    row = {
        "machine_id": machine_id,
        "user_id": user_id,
        "start_at": start,
        "end_at": end,
        "blocked_until": end,
        "status": "confirmed",
        "cancelled_at": None,
        "checked_in_at": None,
        "completed_at": None,
        "completed_via": "",
        "created_at": start - timedelta(days=3),
        "updated_at": start - timedelta(days=3),
    }
    luck = rng.random()
    if luck < 0.1:
        row.update(status="cancelled", cancelled_at=start - timedelta(days=1))
    elif end <= now and luck < 0.17:
        row.update(status="no_show")
    elif end <= now:
        row.update(status="completed", checked_in_at=start, completed_at=end)
        row.update(completed_via="scheduler")
    return row


def _insert(table: sa.Table, rows: list[dict]) -> None:
    """One executemany per chunk (every row with the same keys), each chunk committed."""
    for offset in range(0, len(rows), CHUNK):
        chunk = rows[offset : offset + CHUNK]
        if chunk:
            db.session.execute(table.insert(), chunk)
        db.session.commit()
