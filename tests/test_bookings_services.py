# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Booking services: daylight saving, cancellation, moves, holds, qualifications, companies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from fablab.bookings.services import (
    CancellationTooLate,
    InvalidState,
    NotQualified,
    RuleViolation,
    SlotTaken,
    cancel_reservation,
    expire_holds,
    move_reservation,
)
from fablab.errors import Forbidden
from tests.bookings_fixtures import NOW, book, laser, open_lab, paris, printer  # noqa: F401

SPRING_NOW = datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
AUTUMN_NOW = datetime(2027, 10, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def overnight_printer(make_machine, open_lab):
    return make_machine(name="Long prints", unattended_allowed=True, max_duration_minutes=24 * 60)


# -- daylight saving (Europe/Paris: last Sunday of March and of October) -----------


def test_overnight_booking_across_spring_forward_is_an_hour_shorter(
    overnight_printer, member, book
):
    # Saturday 27 March 2027 18:00 (UTC+1) to Sunday 28 March 10:00 (UTC+2).
    reservation = book(
        overnight_printer,
        member,
        paris(2027, 3, 27, 18, 0),
        paris(2027, 3, 28, 10, 0),
        now=SPRING_NOW,
    )

    assert reservation.start_at == datetime(2027, 3, 27, 17, 0, tzinfo=UTC)
    assert reservation.end_at == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert reservation.end_at - reservation.start_at == timedelta(hours=15)


def test_overnight_booking_across_fall_back_is_an_hour_longer(overnight_printer, member, book):
    # Saturday 30 October 2027 18:00 (UTC+2) to Sunday 31 October 10:00 (UTC+1).
    reservation = book(
        overnight_printer,
        member,
        paris(2027, 10, 30, 18, 0),
        paris(2027, 10, 31, 10, 0),
        now=AUTUMN_NOW,
    )

    assert reservation.start_at == datetime(2027, 10, 30, 16, 0, tzinfo=UTC)
    assert reservation.end_at == datetime(2027, 10, 31, 9, 0, tzinfo=UTC)
    assert reservation.end_at - reservation.start_at == timedelta(hours=17)


@pytest.mark.parametrize(
    ("day", "now", "utc_start"),
    [
        ((2027, 3, 28), SPRING_NOW, datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),
        ((2027, 10, 31), AUTUMN_NOW, datetime(2027, 10, 31, 9, 0, tzinfo=UTC)),
    ],
    ids=["last-sunday-of-march", "last-sunday-of-october"],
)
def test_opening_hours_follow_local_time_on_the_change_day(
    printer, member, book, day, now, utc_start
):
    # 10:00 local on the change day; the lab opens at 08:00 local that day too.
    reservation = book(printer, member, paris(*day, 10, 0), paris(*day, 12, 0), now=now)
    assert reservation.start_at == utc_start
    assert reservation.end_at - reservation.start_at == timedelta(hours=2)
    early = book(printer, member, paris(*day, 8, 0), paris(*day, 9, 0), now=now)
    assert early.start_at == utc_start - timedelta(hours=2)


def test_weekly_quota_counts_real_hours_across_the_change(make_machine, open_lab, member, book):
    machine = make_machine(kind="cnc_mill", weekly_quota_hours=4)
    # The week of 22–28 March 2027 (the clocks change on Sunday 28).
    book(machine, member, paris(2027, 3, 28, 9, 0), paris(2027, 3, 28, 12, 0), now=SPRING_NOW)
    book(machine, member, paris(2027, 3, 22, 9, 0), paris(2027, 3, 22, 10, 0), now=SPRING_NOW)

    with force_locale("en"), pytest.raises(RuleViolation, match="Weekly quota"):
        book(machine, member, paris(2027, 3, 23, 9, 0), paris(2027, 3, 23, 9, 30), now=SPRING_NOW)


# -- cancellation ------------------------------------------------------------------------


def test_cancel_before_the_deadline(db, printer, member, book):
    reservation = book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))

    cancel_reservation(reservation=reservation, by=member, reason="ill", now=NOW)
    db.session.commit()

    assert reservation.status == "cancelled"
    assert reservation.cancelled_by_id == member.id
    assert reservation.cancel_reason == "ill"
    assert reservation.sequence == 1
    # the slot is free again
    assert book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0)).id


def test_cancel_after_the_deadline_is_refused(db, printer, member, manager, book):
    reservation = book(printer, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    too_late = paris(2027, 3, 1, 10, 30)  # 23 h 30 before, the deadline is 24 h

    with force_locale("en"), pytest.raises(CancellationTooLate, match="24 hours"):
        cancel_reservation(reservation=reservation, by=member, now=too_late)
    with pytest.raises(CancellationTooLate):
        cancel_reservation(reservation=reservation, by=manager, now=too_late)

    cancel_reservation(
        reservation=reservation, by=manager, reason="broken", override_deadline=True, now=too_late
    )
    assert reservation.status == "cancelled"


def test_a_machine_deadline_overrides_the_lab(db, make_machine, open_lab, member, book):
    machine = make_machine(cancel_deadline_hours=2)
    reservation = book(machine, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))

    cancel_reservation(reservation=reservation, by=member, now=paris(2027, 3, 2, 7, 30))
    assert reservation.status == "cancelled"


def test_only_the_booker_a_company_contact_or_a_manager_may_cancel(
    db, printer, make_user, make_company, manager, book
):
    company = make_company()
    employee = make_user(company=company)
    contact = make_user(company=company, is_company_contact=True)
    colleague = make_user(company=company)
    reservation = book(
        printer, employee, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0), company=company
    )

    with pytest.raises(Forbidden):
        cancel_reservation(reservation=reservation, by=colleague, now=NOW)
    cancel_reservation(reservation=reservation, by=contact, now=NOW)
    with pytest.raises(InvalidState):
        cancel_reservation(reservation=reservation, by=manager, now=NOW)


# -- moves and holds -----------------------------------------------------------------------


def test_move_to_a_free_time_increments_the_sequence(db, printer, member, book):
    reservation = book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))

    move_reservation(
        reservation=reservation,
        start=paris(2027, 3, 5, 14, 0),
        end=paris(2027, 3, 5, 16, 0),
        by=member,
        now=NOW,
    )
    db.session.commit()

    assert reservation.start_at == datetime(2027, 3, 5, 13, 0, tzinfo=UTC)
    assert reservation.sequence == 1


def test_move_onto_a_taken_slot_changes_nothing(db, printer, member, make_user, book):
    mine = book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))
    book(printer, make_user(), paris(2027, 3, 5, 14, 0), paris(2027, 3, 5, 15, 0))

    with pytest.raises(SlotTaken):
        move_reservation(
            reservation=mine,
            start=paris(2027, 3, 5, 14, 30),
            end=paris(2027, 3, 5, 15, 30),
            by=member,
            now=NOW,
        )
    db.session.rollback()
    db.session.refresh(mine)
    assert mine.start_at == datetime(2027, 3, 5, 9, 0, tzinfo=UTC)
    assert mine.sequence == 0


def test_move_may_overlap_its_own_old_time(db, printer, member, book):
    reservation = book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))
    move_reservation(
        reservation=reservation,
        start=paris(2027, 3, 5, 10, 30),
        end=paris(2027, 3, 5, 11, 30),
        by=member,
        now=NOW,
    )
    db.session.commit()
    assert reservation.end_at == datetime(2027, 3, 5, 10, 30, tzinfo=UTC)


def test_a_hold_blocks_the_slot_until_it_expires(db, printer, member, make_user, book):
    hold = book(
        printer,
        member,
        paris(2027, 3, 5, 10, 0),
        paris(2027, 3, 5, 11, 0),
        status="held",
        hold_minutes=10,
    )
    assert hold.hold_expires_at == NOW + timedelta(minutes=10)
    with pytest.raises(SlotTaken):
        book(printer, make_user(), paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))

    assert expire_holds(now=NOW + timedelta(minutes=5)) == []
    assert expire_holds(now=NOW + timedelta(minutes=10)) == [hold]
    db.session.commit()

    assert hold.status == "expired"
    assert book(printer, make_user(), paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0)).id


# -- qualifications and companies ------------------------------------------------------------


def test_a_machine_needing_a_qualification_refuses_the_unqualified(db, laser, member, book):
    from fablab.machines.services import grant_qualification

    with pytest.raises(NotQualified, match="Laser safety"):
        book(laser, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))

    grant_qualification(
        user=member,
        qualification=laser.required_qualification,
        expires_at=paris(2027, 3, 3, 0, 0),
    )
    db.session.commit()
    assert book(laser, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0)).id
    # expired by the time of the booking
    with pytest.raises(NotQualified):
        book(laser, member, paris(2027, 3, 4, 10, 0), paris(2027, 3, 4, 11, 0))


def test_an_employee_books_on_their_companys_account(printer, make_user, make_company, book):
    company = make_company()
    employee = make_user(company=company)

    reservation = book(
        printer, employee, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0), company=company
    )

    assert reservation.company_id == company.id
    with pytest.raises(Forbidden):
        book(
            printer,
            make_user(),
            paris(2027, 3, 5, 14, 0),
            paris(2027, 3, 5, 15, 0),
            company=company,
        )


def test_listeners_hear_about_new_and_cancelled_bookings(db, printer, member, book):
    from fablab.bookings.services import reservation_cancelled, reservation_created

    heard = []
    with (
        reservation_created.connected_to(
            lambda _s, reservation: heard.append(("new", reservation))
        ),
        reservation_cancelled.connected_to(
            lambda _s, reservation, by: heard.append(("cancelled", reservation))
        ),
    ):
        reservation = book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))
        cancel_reservation(reservation=reservation, by=member, now=NOW)

    assert heard == [("new", reservation), ("cancelled", reservation)]
