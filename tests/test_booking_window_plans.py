"""History never slows a booking: the overlap and availability queries read the window only.

On PostgreSQL, with 200,000 past bookings left ``confirmed`` (as a lab that ran before
bookings were completed has), EXPLAIN ANALYZE of both queries walks the exclusion
constraint's GiST index for the window and reads no history row. On SQLite, the
query plan uses the (machine_id, blocked_until) index.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from fablab.bookings.availability import active_reservations
from fablab.bookings.models import Reservation, active_in_window
from fablab.bookings.services import overlapping_reservations

PAST_BOOKINGS = 200_000
WINDOW_START = datetime(2031, 6, 2, 8, 0, tzinfo=UTC)


def _fill_history(db, machine_id: int, user_id: int) -> None:
    """200k one-hour bookings, one every two hours back from the window, all 'confirmed'."""
    db.session.execute(
        sa.text(
            "INSERT INTO reservations (machine_id, user_id, start_at, end_at, blocked_until, "
            "status, note, cancel_reason, sequence, created_at, updated_at) "
            "SELECT :machine, :user, t, t + interval '1 hour', t + interval '1 hour', "
            "'confirmed', '', '', 0, now(), now() "
            "FROM generate_series(CAST(:first AS timestamptz), CAST(:last AS timestamptz), "
            "interval '2 hours') AS t"
        ),
        {
            "machine": machine_id,
            "user": user_id,
            "first": WINDOW_START - timedelta(hours=2 * PAST_BOOKINGS),
            "last": WINDOW_START - timedelta(hours=2),
        },
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE reservations")


def _plan(db, statement: sa.Select) -> dict:
    compiled = statement.compile(
        dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + str(compiled), compiled.params
        ).scalar()
    plan = rows if isinstance(rows, list) else json.loads(rows)
    return plan[0]["Plan"]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_overlap_and_availability_read_the_window_not_the_history(db, make_machine, make_user):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL plan; SQLite is checked by the test below")
    machine, user = make_machine(), make_user()
    _fill_history(db, machine.id, user.id)
    window = (WINDOW_START, WINDOW_START + timedelta(hours=3))

    # The services answer right: nothing in the window, the last past booking is not in it.
    assert overlapping_reservations(machine=machine, start=window[0], blocked_until=window[1]) == []
    assert active_reservations(machine, *window) == []

    plan = _plan(db, active_in_window(machine.id, *window, "postgresql"))
    scans = [node for node in _nodes(plan) if "Scan" in node["Node Type"]]
    assert all(node["Node Type"] != "Seq Scan" for node in scans), plan
    assert any(node.get("Index Name") == "reservations_no_overlap" for node in scans), plan
    # No history row read and thrown away: the index narrowed to the window.
    assert sum(node.get("Rows Removed by Filter", 0) for node in scans) == 0, plan
    assert sum(node.get("Rows Removed by Index Recheck", 0) for node in scans) == 0, plan
    assert plan["Actual Rows"] == 0


def test_sqlite_reads_the_window_through_the_blocked_until_index(db, make_machine, make_user):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite plan")
    machine, user = make_machine(), make_user()
    # Some history, so that SQLite has a choice of index to make.
    db.session.execute(
        sa.insert(Reservation),
        [
            {
                "machine_id": machine.id,
                "user_id": user.id,
                "start_at": WINDOW_START - timedelta(hours=2 * n),
                "end_at": WINDOW_START - timedelta(hours=2 * n - 1),
                "blocked_until": WINDOW_START - timedelta(hours=2 * n - 1),
                "status": "confirmed",
            }
            for n in range(1, 2001)
        ],
    )
    db.session.commit()
    # As availability asks it: in time order (which tempts SQLite to walk (machine, start_at)).
    statement = active_in_window(
        machine.id, WINDOW_START, WINDOW_START + timedelta(hours=1), "sqlite"
    ).order_by(Reservation.start_at)
    compiled = statement.compile(
        dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True}
    )
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values())
        ).all()
    details = " ".join(row[-1] for row in plan)
    assert "ix_reservations_machine_blocked_until" in details, details
    assert "blocked_until>?" in details.replace(" ", ""), details
    assert "start_at<?" not in details.replace(" ", ""), details


def test_a_booking_next_to_history_is_still_refused_when_it_overlaps(db, make_machine, make_user):
    """The window predicate keeps the guarantee: touching is fine, overlapping is not."""
    from fablab.bookings.services import SlotTaken, create_reservation

    machine, user = make_machine(), make_user(role="manager")
    start = WINDOW_START
    create_reservation(
        machine=machine,
        user=user,
        start=start,
        end=start + timedelta(hours=1),
        override_rules=True,
        now=start - timedelta(days=1),
    )
    db.session.commit()
    create_reservation(
        machine=machine,
        user=user,
        start=start + timedelta(hours=1),
        end=start + timedelta(hours=2),
        override_rules=True,
        now=start - timedelta(days=1),
    )
    db.session.commit()
    with pytest.raises(SlotTaken):
        create_reservation(
            machine=machine,
            user=user,
            start=start + timedelta(minutes=30),
            end=start + timedelta(minutes=90),
            override_rules=True,
            now=start - timedelta(days=1),
        )
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 2
