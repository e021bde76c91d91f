"""The whole history, phase by phase; the CLI (fablab/synthetic/cli.py) commits it once."""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import OpeningHours
from fablab.machines.zone import lab_zone, local_to_utc
from fablab.synthetic import billing, events, history, people

AHEAD_DAYS = 14  # bookings already made for the coming two weeks
MANAGER_EMAIL = "manager@synthetic.example"


class AlreadySeeded(DomainError):
    code = "conflict"
    status = 409

    def default_message(self):
        return "This database already holds a synthetic history (manager@synthetic.example)."


@dataclass
class Summary:
    years: int
    machines: int
    seed: int
    until: date
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def lab_hours() -> None:
    """The demo lab's identity (fablab/seed.py), open as the synthetic history books it."""
    from fablab.seed import seed_lab_settings

    seed_lab_settings()
    for opening in [row for row in db.session.new if isinstance(row, OpeningHours)]:
        db.session.expunge(opening)
    for weekday in history.OPEN_DAYS:
        db.session.add(
            OpeningHours(weekday=weekday, opens_at=history.OPENS, closes_at=history.CLOSES)
        )
    db.session.flush()


def history_days(years: int, until: date) -> list[date]:
    first = until - timedelta(days=round(365.25 * years))
    return [first + timedelta(days=n) for n in range((until - first).days + AHEAD_DAYS + 1)]


class Timer:
    def __init__(self, summary: Summary):
        self.summary = summary

    def phase(self, name: str, work: Callable[[], dict[str, int]]) -> None:
        started = clock.perf_counter()
        self.summary.counts.update(work())
        self.summary.seconds[name] = round(clock.perf_counter() - started, 2)


def generate(
    *,
    years: int,
    machines: int,
    seed: int,
    until: date,
    progress: Callable[[int], None] = lambda _days: None,
) -> Summary:
    """Fill the database with ``years`` of history of a lab of ``machines`` machines, up to
    ``until`` (bookings continue two weeks beyond). Deterministic for a seed and a day.
    Only flushes: the caller commits the whole history at once (nothing half-loaded)."""
    if db.session.scalar(sa.select(User.id).where(User.email == MANAGER_EMAIL)):
        raise AlreadySeeded()
    if not db.session.scalar(sa.select(sa.func.count(OpeningHours.id))):
        lab_hours()
    zone = lab_zone()
    days = history_days(years, until)
    summary = Summary(years, machines, seed, until)
    timer = Timer(summary)
    state: dict = {}

    def add_people():
        rng = random.Random(f"{seed}:people")
        state["population"] = people.insert_people(
            first=days[0], last=until, machines=machines, rng=rng
        )
        state["machines"] = history.insert_machines(machines, days[0])
        population = state["population"]
        return {"people": len(population.people), "companies": population.companies}

    def add_history():
        rng = random.Random(f"{seed}:history")
        writer = history.HistoryWriter(
            population=state["population"], until=until, zone=zone, years=years
        )
        for day in days:
            writer.day(day, state["machines"], rng)
            progress(1)
        counts = writer.finish()
        return {"bookings": counts.bookings, "usage_sessions": counts.sessions}

    def add_events():
        rng = random.Random(f"{seed}:events")
        made, registered = events.insert_events(
            first=days[0], until=until, population=state["population"], zone=zone, rng=rng
        )
        return {"events": made, "registrations": registered}

    def add_billing():
        rng = random.Random(f"{seed}:billing")
        this_month = until.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        manager = db.session.get(User, state["population"].manager_id)
        billed = billing.invoice_window(
            start=local_to_utc(last_month, time(0)),
            end=local_to_utc(this_month, time(0)),
            manager=manager,
            rng=rng,
        )
        return {
            "charges": billed.charges,
            "invoices": billed.invoices,
            "credit_notes": billed.credit_notes,
            "payments": billed.payments,
        }

    timer.phase("people", add_people)
    timer.phase("history", add_history)
    timer.phase("events", add_events)
    timer.phase("billing", add_billing)
    return summary
