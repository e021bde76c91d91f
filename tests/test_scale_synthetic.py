"""`flask seed-synthetic`: a deterministic history that keeps the lab's guarantees."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from fablab.accounts.models import User
from fablab.billing.models import Invoice
from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from fablab.events.models import Registration
from fablab.machines.models import Machine
from fablab.usage.models import UsageSession
from tests.conftest import empty_database

ARGS = ["seed-synthetic", "--years", "1", "--machines", "3", "--seed", "7"]
UNTIL = "2026-06-17"


def seed(app, *extra: str):
    result = app.test_cli_runner().invoke(args=[*ARGS, "--until", UNTIL, *extra])
    assert result.exit_code == 0, result.output
    return result


def snapshot(db) -> dict:
    """What a person would notice of the history: who booked which machine when, and how
    it ended; the usage, the events' attendance and what was invoiced."""
    db.session.expire_all()
    bookings = db.session.execute(
        sa.select(
            Machine.name,
            User.email,
            Reservation.start_at,
            Reservation.end_at,
            Reservation.status,
            Reservation.checked_in_at,
        )
        .join(Machine, Reservation.machine_id == Machine.id)
        .join(User, Reservation.user_id == User.id)
        .order_by(Reservation.start_at, Machine.name)
    ).all()
    sessions = db.session.execute(
        sa.select(
            UsageSession.started_at, UsageSession.ended_at, UsageSession.consumable_quantity_milli
        ).order_by(UsageSession.started_at, UsageSession.machine_id)
    ).all()
    invoices = db.session.execute(
        sa.select(Invoice.doc_type, Invoice.buyer_name, Invoice.total_incl_cents).order_by(
            Invoice.chain_seq
        )
    ).all()
    registrations = db.session.scalar(sa.select(sa.func.count(Registration.id)))
    return {
        "bookings": bookings,
        "sessions": sessions,
        "invoices": invoices,
        "registrations": registrations,
    }


def test_the_same_seed_gives_the_same_history(app, db):
    first = seed(app)
    assert "Synthetic history up to 2026-06-17" in first.output
    before = snapshot(db)
    assert len(before["bookings"]) > 1000
    assert len(before["sessions"]) > 500
    assert before["registrations"] > 50
    assert any(doc_type == "credit_note" for doc_type, *_ in before["invoices"])
    db.session.remove()
    empty_database()

    seed(app)
    assert snapshot(db) == before
    db.session.remove()
    empty_database()

    seed(app, "--seed", "8")
    assert snapshot(db)["bookings"] != before["bookings"]


def test_the_history_keeps_the_lab_guarantees(app, db):
    seed(app)
    verify = app.test_cli_runner().invoke(args=["invoices", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "the chain is intact" in verify.output

    # No two bookings of one machine meet, whatever their status (active ones a fortiori).
    other = aliased(Reservation)
    overlapping = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Reservation)
        .join(
            other,
            sa.and_(
                other.machine_id == Reservation.machine_id,
                other.id < Reservation.id,
                other.start_at < Reservation.blocked_until,
                Reservation.start_at < other.blocked_until,
            ),
        )
    )
    assert overlapping == 0
    assert_lifecycle(db)
    assert_second_run_refused(app, db)


def assert_lifecycle(db):
    """Past bookings carry their lifecycle stamps; none waits for a transition."""
    until = datetime(2026, 6, 17, tzinfo=UTC)
    counts = dict(
        db.session.execute(
            sa.select(Reservation.status, sa.func.count())
            .where(Reservation.end_at < until)
            .group_by(Reservation.status)
        ).all()
    )
    assert set(counts) == {"completed", "no_show", "cancelled"}  # none left unresolved
    assert counts["completed"] > counts["no_show"] > 0
    unstamped = db.session.scalar(
        sa.select(sa.func.count()).where(
            Reservation.status == "completed",
            sa.or_(Reservation.completed_at.is_(None), Reservation.checked_in_at.is_(None)),
        )
    )
    assert unstamped == 0
    ahead = db.session.scalars(
        sa.select(Reservation.status).where(Reservation.start_at > until).distinct()
    ).all()
    assert set(ahead) <= set(ACTIVE_STATUSES)
    # Every usage session belongs to an attended booking and lies within its slot.
    outside = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UsageSession)
        .join(Reservation, UsageSession.reservation_id == Reservation.id)
        .where(
            sa.or_(
                Reservation.status != "completed",
                UsageSession.started_at < Reservation.start_at,
                UsageSession.ended_at > Reservation.end_at,
            )
        )
    )
    assert outside == 0


def assert_second_run_refused(app, db):
    count = db.session.scalar(sa.select(sa.func.count(Reservation.id)))
    again = app.test_cli_runner().invoke(args=[*ARGS, "--until", UNTIL])
    assert again.exit_code != 0
    assert "already holds a synthetic history" in again.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == count
