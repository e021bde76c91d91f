"""Demo data of the machines domain, on top of the machines and hours in fablab/seed.py."""

from __future__ import annotations

from datetime import date, time

from fablab.machines.services import add_closure
from fablab.machines.zone import local_to_utc
from fablab.timeutil import utcnow


def seed_closures() -> None:
    """The end-of-year holidays, every year (24 December to 2 January included)."""
    year = utcnow().year
    add_closure(
        title="Congés de fin d'année",
        start_at=local_to_utc(date(year, 12, 24), time(0)),
        end_at=local_to_utc(date(year + 1, 1, 3), time(0)),
        repeats_yearly=True,
    )
