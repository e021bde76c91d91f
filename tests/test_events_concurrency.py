"""Many people register at once: never more confirmed than seats, the rest waitlisted.

Every thread has its own app context, session and connection and waits at a
barrier so they all register together. Run on SQLite (default) and with
``--db postgresql`` (where the event row is locked with SELECT … FOR UPDATE).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.database import configure_sqlite
from fablab.events.models import Event, Registration
from fablab.events.registrations import confirm_registration, new_token, register
from fablab.events.services import create_event, publish_event
from fablab.timeutil import utcnow
from fablab.transaction import commit

pytestmark = pytest.mark.slow

THREADS = 20
CAPACITY = 7


@pytest.fixture
def wide_pool(app, db):
    """An engine with one connection per racer, so all of them really run at once."""
    engines = db._app_engines[app]
    original = engines[None]
    db.session.commit()
    engine = sa.create_engine(original.url, pool_size=THREADS + 4, max_overflow=0)
    configure_sqlite(engine)
    engines[None] = engine
    yield engine
    db.session.remove()
    engines[None] = original
    engine.dispose()


@pytest.fixture
def event(db, manager, lab_settings) -> Event:
    start = utcnow() + timedelta(days=3)
    values = dict(
        kind="discovery_day",
        title_fr="Journée découverte",
        start_at=start,
        end_at=start + timedelta(hours=2),
        capacity=CAPACITY,
        audience="public",
    )
    with db.session.no_autoflush:
        created = create_event(values=values, by=manager)
    publish_event(event=created)
    commit()
    return created


def race(app, db, attempt_one, count: int) -> list[tuple[str, object]]:
    barrier = threading.Barrier(count)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def attempt(index: int) -> None:
        with app.app_context(), app.test_request_context():
            barrier.wait(timeout=30)
            try:
                results[index] = ("ok", attempt_one(index))
                commit()
            except Exception as error:  # noqa: BLE001  (reported by the assertions)
                db.session.rollback()
                results[index] = ("error", repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def statuses(db, event_id: int) -> list[str]:
    db.session.rollback()  # end this session's snapshot: see what the racers committed
    return list(
        db.session.scalars(sa.select(Registration.status).where(Registration.event_id == event_id))
    )


def test_members_racing_for_seats_get_exactly_the_capacity(app, db, event, make_user, wide_pool):
    user_ids = [make_user().id for _ in range(THREADS)]
    event_id = event.id
    db.session.commit()

    def one(index: int):
        user = db.session.get(User, user_ids[index])
        return register(event=db.session.get(Event, event_id), user=user).status

    results = race(app, db, one, THREADS)
    assert [r for r in results if r[0] != "ok"] == []
    found = statuses(db, event_id)
    assert found.count("confirmed") == CAPACITY
    assert found.count("waitlisted") == THREADS - CAPACITY
    positions = db.session.scalars(
        sa.select(Registration.waitlist_position).where(Registration.status == "waitlisted")
    ).all()  # one waitlist, no gaps, no duplicates
    assert sorted(positions) == list(range(1, THREADS - CAPACITY + 1))


def test_visitors_confirming_at_once_get_exactly_the_capacity(app, db, event, wide_pool):
    with app.test_request_context():
        pending = [
            register(event=event, email=f"visitor{i}@example.org", name=f"Visitor {i}")
            for i in range(THREADS)
        ]
    tokens = [new_token(registration) for registration in pending]  # the e-mailed links
    event_id = event.id
    db.session.commit()

    results = race(app, db, lambda i: confirm_registration(token=tokens[i]).status, THREADS)
    assert [r for r in results if r[0] != "ok"] == []
    found = statuses(db, event_id)
    assert found.count("confirmed") == CAPACITY
    assert found.count("waitlisted") == THREADS - CAPACITY


def test_the_same_address_twice_at_once_makes_one_registration(app, db, event, wide_pool):
    event_id = event.id

    def one(index: int):
        return register(
            event=db.session.get(Event, event_id), email="same@example.org", name="Same"
        ).id

    results = race(app, db, one, 8)
    assert [r for r in results if r[0] != "ok"] == []  # the others get a fresh link
    assert len(statuses(db, event_id)) == 1
