# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Many people race for overlapping slots of one machine: the database keeps them apart.

Every thread has its own app context, session and database connection and waits
at a barrier so they all book at once. Run on SQLite (default) and with
``--db postgresql``. With the friendly pre-check switched off, only the database
(trigger / exclusion constraint) stands between the racers.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.bookings import services
from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from fablab.bookings.services import SlotTaken, create_reservation
from fablab.database import configure_sqlite
from fablab.machines.models import Machine
from tests.bookings_fixtures import NOW, open_lab, paris, printer  # noqa: F401

pytestmark = pytest.mark.slow

THREADS = 24
# Start times 10:00, 10:30 … 12:30 (local), one hour each: every slot overlaps others.
OFFSETS = 6


@pytest.fixture
def wide_pool(app, db):
    """An engine with one connection per racer, so all of them really run at once."""
    engines = db._app_engines[app]
    original = engines[None]
    db.session.commit()  # the next transaction takes its connection from the new engine
    engine = sa.create_engine(original.url, pool_size=THREADS + 4, max_overflow=0)
    configure_sqlite(engine)
    engines[None] = engine
    yield engine
    db.session.remove()
    engines[None] = original
    engine.dispose()


def race(app, db, machine_id: int, user_ids: list[int]) -> list[tuple[str, object]]:
    barrier = threading.Barrier(len(user_ids))
    results: list[tuple[str, object]] = [("missing", None)] * len(user_ids)

    def attempt(index: int, user_id: int) -> None:
        with app.app_context():
            machine = db.session.get(Machine, machine_id)
            user = db.session.get(User, user_id)
            db.session.commit()  # release the connection (and SQLite's write lock) before racing
            start = paris(2027, 3, 2, 10, 0) + timedelta(minutes=30 * (index % OFFSETS))
            barrier.wait(timeout=30)
            try:
                reservation = create_reservation(
                    machine=machine, user=user, start=start, end=start + timedelta(hours=1), now=NOW
                )
                db.session.commit()
                results[index] = ("booked", reservation.id)
            except SlotTaken:
                db.session.rollback()
                results[index] = ("taken", None)
            except Exception as error:  # noqa: BLE001  (reported by the assertions below)
                db.session.rollback()
                results[index] = ("error", repr(error))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=attempt, args=(i, user_id)) for i, user_id in enumerate(user_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_no_overlap_in_database(db, machine_id: int) -> list[Reservation]:
    other = sa.orm.aliased(Reservation)
    clashes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Reservation)
        .join(
            other,
            sa.and_(
                other.machine_id == Reservation.machine_id,
                other.id > Reservation.id,
                other.start_at < Reservation.blocked_until,
                other.blocked_until > Reservation.start_at,
            ),
        )
        .where(
            Reservation.machine_id == machine_id,
            Reservation.status.in_(ACTIVE_STATUSES),
            other.status.in_(ACTIVE_STATUSES),
        )
    )
    assert clashes == 0
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .where(Reservation.machine_id == machine_id, Reservation.status.in_(ACTIVE_STATUSES))
            .order_by(Reservation.start_at)
        )
    )


@pytest.mark.parametrize("friendly_precheck", [True, False], ids=["precheck", "database-only"])
def test_racing_bookings_never_overlap(
    app, db, printer, make_user, wide_pool, monkeypatch, friendly_precheck
):
    if not friendly_precheck:
        monkeypatch.setattr(services, "overlapping_reservations", lambda **kwargs: [])
    user_ids = [make_user().id for _ in range(THREADS)]
    machine_id = printer.id
    db.session.remove()

    results = race(app, db, machine_id, user_ids)

    errors = [detail for outcome, detail in results if outcome not in ("booked", "taken")]
    assert errors == []
    booked = {detail for outcome, detail in results if outcome == "booked"}
    taken = [outcome for outcome, _ in results if outcome == "taken"]
    kept = assert_no_overlap_in_database(db, machine_id)
    assert {r.id for r in kept} == booked  # every accepted booking is kept, nothing else
    assert 1 <= len(booked) <= 3  # at most 3 one-hour bookings fit between 10:00 and 13:30
    assert len(taken) == THREADS - len(booked)
