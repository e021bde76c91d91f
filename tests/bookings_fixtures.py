"""Fixtures shared by the booking tests: an open lab and local-time helpers."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

PARIS = ZoneInfo("Europe/Paris")
# A Monday; every test books relative to this instant unless it says otherwise.
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def paris(*args: int) -> datetime:
    """A wall-clock time in Paris as an aware datetime (2027, 3, 2, 10, 0)."""
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def open_lab(db, lab_settings):
    """The lab in Europe/Paris, open every day from 08:00 to 20:00, default rules."""
    from fablab.machines.models import OpeningHours

    lab_settings.timezone = "Europe/Paris"
    for weekday in range(7):
        db.session.add(OpeningHours(weekday=weekday, opens_at=time(8), closes_at=time(20)))
    db.session.commit()
    return lab_settings


@pytest.fixture
def printer(make_machine, open_lab):
    return make_machine(name="Prusa MK4", kind="3d_printer")


@pytest.fixture
def book(db):
    """Create a reservation through the service, with ``now`` frozen at NOW."""
    from fablab.bookings.services import create_reservation

    def _book(machine, user, start, end, now=NOW, **kwargs):
        reservation = create_reservation(
            machine=machine, user=user, start=start, end=end, now=now, **kwargs
        )
        db.session.commit()
        return reservation

    return _book


@pytest.fixture
def frozen():
    """The clock at NOW (ticking), for tests that go through the web or the API."""
    import time_machine

    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def laser(db, make_machine, open_lab):
    """A laser cutter that needs the "Laser safety" qualification."""
    from fablab.machines.models import Qualification

    qualification = Qualification(name="Laser safety")
    db.session.add(qualification)
    db.session.commit()
    return make_machine(name="Trotec", kind="laser_cutter", required_qualification=qualification)
