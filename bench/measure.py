"""Server time of requests through the Flask test client (no network, no browser)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from bench.dataset import Lab
from fablab.accounts.models import User
from fablab.bookings.listing import Cursor
from fablab.bookings.models import Reservation
from fablab.extensions import db

LAB_ZONE = ZoneInfo("Europe/Paris")  # the benchmark lab's zone (seed_lab_settings)


@dataclass
class Timing:
    name: str
    runs: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs) * 1000

    @property
    def best_ms(self) -> float:
        return min(self.runs) * 1000


def timed(name: str, call: Callable[[int], object], runs: int, warmup: int = 2) -> Timing:
    """Median of ``runs`` calls after ``warmup`` calls; each call must succeed."""
    timing = Timing(name)
    for n in range(warmup + runs):
        started = time.perf_counter()
        call(n)
        elapsed = time.perf_counter() - started
        if n >= warmup:
            timing.runs.append(elapsed)
    return timing


def _ok(response, status: int = 200):
    if response.status_code != status:
        raise RuntimeError(f"{response.request.path}: {response.status_code} {response.data[:300]}")
    return response


def _deep_cursor(depth: int) -> str | None:
    """The cursor of the page starting ``depth`` rows into the newest-first list."""
    row = db.session.execute(
        sa.select(Reservation.start_at, Reservation.id)
        .order_by(Reservation.start_at.desc(), Reservation.id.desc())
        .offset(depth)
        .limit(1)
    ).first()
    return Cursor(row.start_at, row.id).encode() if row else None


def _manager_client(app: Flask, lab: Lab):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(lab.manager_id)
        session["_fresh"] = True
    return client


def _open_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if 1 <= day.weekday() <= 5:  # the benchmark lab opens Tuesday to Saturday
            days.append(day)
        day += timedelta(days=1)
    return days


def figures(app: Flask, lab: Lab) -> list[tuple[str, Callable[[int], object]]]:
    """Every figure of the benchmark on ``app``'s database: (name, call of run n)."""
    client = _manager_client(app, lab)
    bearer = {"Authorization": f"Bearer {lab.manager_token}"}
    baseline_url = "/healthz" if "/healthz" in {r.rule for r in app.url_map.iter_rules()} else None
    with app.app_context():
        deep = _deep_cursor(min(50_000, lab.bookings // 2))
        member_ids = list(
            db.session.scalars(sa.select(User.id).where(User.role == "member").limit(200))
        )
    week = date.today() + timedelta(days=7)
    start = datetime.combine(week, datetime.min.time(), LAB_ZONE)
    window = f"start={start.isoformat()}&end={(start + timedelta(days=7)).isoformat()}"
    window = window.replace("+", "%2B")
    slots = [
        (day, hour)
        for day in _open_days(date.today() + timedelta(days=20), 30)
        for hour in range(10, 18)
    ]

    def get(url, headers=None):
        return lambda _n: _ok(client.get(url, headers=headers or {}, buffered=True))

    def post_booking(n):
        day, hour = slots[n]
        begins = datetime.combine(day, datetime.min.time(), LAB_ZONE) + timedelta(hours=hour)
        body = {
            "machine_id": lab.machine_ids[0],
            "start": begins.isoformat(),
            "end": (begins + timedelta(hours=1)).isoformat(),
            "user_id": member_ids[n % len(member_ids)],
        }
        _ok(client.post("/api/v1/reservations", json=body, headers=bearer), 201)

    first = lab.machine_ids[0]
    baseline = baseline_url or "/api/v1/me"
    deep_url = f"/bookings/manage?cursor={deep}" if deep else "/bookings/manage"
    return [
        (f"baseline: GET {baseline}", get(baseline, bearer)),
        ("All bookings, first page", get("/bookings/manage")),
        ("All bookings, one person", get(f"/bookings/manage?person={lab.busiest_person_email}")),
        ("All bookings, one machine", get(f"/bookings/manage?machine_id={first}")),
        ("All bookings, a page deep in history", get(deep_url)),
        ("Book for someone (form)", get("/bookings/manage/new")),
        ("API reservations, first 100", get("/api/v1/reservations", bearer)),
        ("API users search", get("/api/v1/users?q=mart", bearer)),
        ("API availability, one week", get(f"/api/v1/machines/{first}/availability?{window}")),
        ("API booking POST", post_booking),
    ]


def measure_side_by_side(
    labs: list[tuple[Flask, Lab]], *, runs: int, warmup: int = 2
) -> list[list[Timing]]:
    """The figures of several labs, their runs interleaved so that the machine's load
    (other processes, CPU frequency) weighs the same on each: the ratios stay fair."""
    calls = [figures(app, lab) for app, lab in labs]
    timings = [[Timing(name) for name, _call in lab_calls] for lab_calls in calls]
    for index in range(len(calls[0])):
        for n in range(warmup + runs):
            for lab_calls, lab_timings in zip(calls, timings, strict=True):
                started = time.perf_counter()
                lab_calls[index][1](n)
                elapsed = time.perf_counter() - started
                if n >= warmup:
                    lab_timings[index].runs.append(elapsed)
    return timings


def export_timing(app: Flask, lab: Lab) -> Timing:
    """One full CSV export of every booking (read to the last byte)."""
    client = _manager_client(app, lab)
    return timed(
        "CSV export of every booking (1 run)",
        lambda _n: _ok(client.get("/bookings/manage/export.csv", buffered=True)),
        1,
        warmup=0,
    )
