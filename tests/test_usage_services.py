"""Usage sessions: start, stop, bad input, booking link, corrections, auto-close."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.timeutil import utcnow
from fablab.usage.corrections import (
    AlreadyCharged,
    OverlappingSession,
    approve_session,
    correct_session,
    record_session,
)
from fablab.usage.models import UsageCorrection, UsageSession
from fablab.usage.services import (
    BookedBySomeoneElse,
    MachineBusy,
    NotQualified,
    SessionNotOpen,
    UsageError,
    close_stale_sessions,
    start_session,
    stop_session,
    to_milli,
)


@pytest.fixture(autouse=True)
def request_context(app):
    # Messages are translated for the person asking, so services run inside a request.
    with app.test_request_context():
        yield


@pytest.fixture
def laser(make_machine):
    return make_machine(
        name="Laser", kind="laser_cutter", consumable_unit="sheet", consumable_rate_cents=350
    )


def book(db, machine, user, start, end, company=None):
    reservation = Reservation(
        machine=machine,
        user=user,
        company=company,
        start_at=start,
        end_at=end,
        blocked_until=end,
        status="confirmed",
    )
    db.session.add(reservation)
    db.session.commit()
    return reservation


def count_sessions(db) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(UsageSession.id)))


def test_start_then_stop_records_time_and_material(db, laser, member):
    now = utcnow()
    session = start_session(
        machine=laser, user=member, source="kiosk", at=now - timedelta(minutes=50)
    )
    stop_session(session=session, at=now, consumables=Decimal("2.5"))
    db.session.commit()

    assert session.status == "closed"
    assert session.duration_minutes == 50
    assert session.consumable_quantity_milli == 2500
    assert session.consumable_unit == "sheet"
    assert session.consumable_rate_cents == 350
    assert session.reservation_id is None  # a walk-in
    assert session.is_billable


def test_a_session_falls_in_the_users_booking_and_bills_its_company(
    db, laser, make_user, make_company
):
    company = make_company()
    employee = make_user(company=company)
    now = utcnow()
    booking = book(db, laser, employee, now - timedelta(minutes=5), now + timedelta(hours=1))

    session = start_session(machine=laser, user=employee, source="kiosk", at=now)

    assert session.reservation_id == booking.id
    assert session.company_id == company.id
    assert booking.checked_in_at == now  # starting the machine checks the booker in


def test_the_booker_may_start_a_little_early(db, laser, member):
    now = utcnow()
    booking = book(db, laser, member, now + timedelta(minutes=10), now + timedelta(hours=1))
    session = start_session(machine=laser, user=member, source="kiosk", at=now)
    assert session.reservation_id == booking.id


def test_someone_elses_running_booking_refuses_a_walk_in(db, laser, member, make_user):
    now = utcnow()
    book(db, laser, make_user(), now - timedelta(minutes=5), now + timedelta(hours=1))
    with pytest.raises(BookedBySomeoneElse):
        start_session(machine=laser, user=member, source="kiosk", at=now)
    assert count_sessions(db) == 0


def test_a_second_open_session_on_a_machine_is_refused(db, laser, member, make_user):
    start_session(machine=laser, user=member, source="kiosk")
    db.session.commit()
    with pytest.raises(MachineBusy) as refused:
        start_session(machine=laser, user=make_user(), source="device")
    assert refused.value.status == 409
    assert count_sessions(db) == 1


def test_the_database_keeps_one_open_session_per_machine_under_a_race(
    app, db, laser, member, make_user
):
    users = [member, make_user(), make_user(), make_user()]
    ids = [(laser.id, u.id) for u in users]
    results: list[str] = []

    def attempt(machine_id, user_id):
        with app.app_context(), app.test_request_context():
            from fablab.accounts.models import User
            from fablab.machines.models import Machine

            try:
                start_session(
                    machine=db.session.get(Machine, machine_id),
                    user=db.session.get(User, user_id),
                    source="device",
                )
                db.session.commit()
                results.append("started")
            except MachineBusy:
                db.session.rollback()
                results.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=pair) for pair in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["busy", "busy", "busy", "started"]
    assert count_sessions(db) == 1


@pytest.mark.parametrize(
    ("offset", "quantity", "field"),
    [
        (timedelta(minutes=-1), None, "ended_at"),  # stop before the start
        (timedelta(0), None, "ended_at"),  # zero length
        (timedelta(minutes=30), Decimal("-1"), "consumables"),  # negative material
        (timedelta(minutes=30), "lots", "consumables"),
    ],
)
def test_bad_stops_are_refused_and_change_nothing(db, laser, member, offset, quantity, field):
    started = utcnow() - timedelta(hours=1)
    session = start_session(machine=laser, user=member, source="kiosk", at=started)
    db.session.commit()

    with pytest.raises(UsageError) as refused:
        stop_session(session=session, at=started + offset, consumables=quantity)
    assert refused.value.field == field
    assert refused.value.status == 422
    db.session.rollback()
    assert db.session.get(UsageSession, session.id).status == "open"


def test_a_stopped_session_cannot_be_stopped_again(db, laser, member):
    session = start_session(
        machine=laser, user=member, source="kiosk", at=utcnow() - timedelta(minutes=5)
    )
    stop_session(session=session)
    with pytest.raises(SessionNotOpen):
        stop_session(session=session)


def test_a_qualification_is_needed_to_start(db, laser, member):
    from fablab.machines.models import Qualification

    laser.required_qualification = Qualification(name="Laser safety")
    db.session.commit()
    with pytest.raises(NotQualified) as refused:
        start_session(machine=laser, user=member, source="kiosk")
    assert refused.value.status == 403


def test_quantities_are_integer_thousandths():
    assert to_milli("12.3456") == 12346
    assert to_milli(0) == 0
    assert to_milli(None) == 0
    assert to_milli(1.1) == 1100
    for bad in ("-0.001", "nan", "inf", "x"):
        with pytest.raises(UsageError):
            to_milli(bad)


def test_a_manager_correction_is_kept_with_its_reason(db, laser, member, manager, make_user):
    end = utcnow() - timedelta(hours=1)
    session = record_session(
        machine=laser,
        user=member,
        started_at=end - timedelta(hours=2),
        ended_at=end,
        consumables=1,
        by=manager,
        reason="Forgot to badge",
    )
    db.session.commit()
    other = make_user(email="real.user@example.org")

    correct_session(
        session=session,
        by=manager,
        reason="It was Dominique, and two sheets",
        consumables=Decimal(2),
        user=other,
        ended_at=end - timedelta(minutes=30),
    )
    db.session.commit()

    assert session.user_id == other.id
    assert session.consumable_quantity_milli == 2000
    assert session.duration_minutes == 90
    history = {(c.field, c.old_value, c.new_value) for c in session.corrections}
    assert ("consumables", "1", "2") in history
    assert ("user", member.email, "real.user@example.org") in history
    assert {c.reason for c in session.corrections} == {
        "Forgot to badge",
        "It was Dominique, and two sheets",
    }


def test_a_correction_needs_a_reason_and_a_change(db, laser, member, manager):
    session = start_session(
        machine=laser, user=member, source="kiosk", at=utcnow() - timedelta(hours=1)
    )
    db.session.commit()
    with pytest.raises(UsageError):
        correct_session(session=session, by=manager, reason="  ", consumables=1)
    with pytest.raises(UsageError):
        correct_session(session=session, by=manager, reason="no-op", consumables=0)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(UsageCorrection.id))) == 0


def test_a_billed_session_cannot_be_corrected(db, laser, member, manager):
    end = utcnow() - timedelta(hours=1)
    session = record_session(
        machine=laser,
        user=member,
        started_at=end - timedelta(hours=1),
        ended_at=end,
        by=manager,
        reason="paper log",
    )
    session.charged_at = utcnow()
    db.session.commit()
    with pytest.raises(AlreadyCharged):
        correct_session(session=session, by=manager, reason="late", consumables=3)


def test_a_recorded_session_may_not_overlap_another(db, laser, member, manager):
    end = utcnow() - timedelta(hours=1)
    record_session(
        machine=laser,
        user=member,
        started_at=end - timedelta(hours=1),
        ended_at=end,
        by=manager,
        reason="paper log",
    )
    with pytest.raises(OverlappingSession):
        record_session(
            machine=laser,
            user=member,
            started_at=end - timedelta(minutes=30),
            ended_at=end + timedelta(minutes=10),
            by=manager,
            reason="paper log",
        )


def test_sessions_left_open_are_closed_and_flagged_and_approved_later(
    app, db, laser, member, manager
):
    now = utcnow()
    forgotten = start_session(
        machine=laser, user=member, source="kiosk", at=now - timedelta(hours=13)
    )
    db.session.commit()

    closed = close_stale_sessions(now=now)
    assert closed == [forgotten]
    assert forgotten.status == "flagged"
    assert forgotten.ended_at == forgotten.started_at + timedelta(hours=12)
    assert "closed automatically" in forgotten.flagged_reason
    assert not forgotten.is_billable
    assert close_stale_sessions(now=now) == []  # a rerun does nothing

    approve_session(session=forgotten, by=manager, reason="Checked with the member")
    assert forgotten.is_billable
    assert forgotten.corrections[-1].field == "status"


def test_a_forgotten_session_in_a_booking_ends_with_the_booking(db, laser, member):
    now = utcnow()
    booking = book(db, laser, member, now - timedelta(hours=14), now - timedelta(hours=12))
    session = start_session(
        machine=laser, user=member, source="kiosk", at=now - timedelta(hours=13, minutes=50)
    )
    db.session.commit()
    close_stale_sessions(now=now)
    assert session.ended_at == booking.end_at


def test_the_limit_is_configurable(app, db, laser, member):
    app.config["USAGE_AUTO_CLOSE_HOURS"] = 2
    try:
        session = start_session(
            machine=laser, user=member, source="kiosk", at=utcnow() - timedelta(hours=3)
        )
        close_stale_sessions()
        assert session.status == "flagged"
    finally:
        app.config.pop("USAGE_AUTO_CLOSE_HOURS")
