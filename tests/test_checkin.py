# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Check-in at the machine's kiosk, and the release of bookings nobody came for."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask_babel import force_locale

from fablab.bookings.checkin import CheckInRefused, check_in, release_no_shows
from fablab.bookings.services import SlotTaken, create_reservation
from tests.bookings_fixtures import NOW, book, open_lab, paris, printer  # noqa: F401
from tests.conftest import TEST_PASSWORD

START = paris(2027, 3, 1, 10, 0)
END = paris(2027, 3, 1, 12, 0)


@pytest.fixture(autouse=True)
def _english(app, client):
    """Messages in English, also outside a request (services called directly)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with force_locale("en"):
        yield


@pytest.fixture
def booking(printer, member, book):
    return book(printer, member, START, END)


def test_check_in_opens_fifteen_minutes_before_the_start(db, printer, member, booking):
    with pytest.raises(CheckInRefused):
        check_in(machine=printer, user=member, now=START - timedelta(minutes=16))

    reservation = check_in(machine=printer, user=member, now=START - timedelta(minutes=15))
    assert reservation.id == booking.id
    assert reservation.checked_in_at == START - timedelta(minutes=15)


def test_check_in_closes_at_the_no_show_limit(db, printer, member, booking, lab_settings):
    lab_settings.no_show_after_minutes = 20
    with pytest.raises(CheckInRefused):
        check_in(machine=printer, user=member, now=START + timedelta(minutes=20))

    assert check_in(machine=printer, user=member, now=START + timedelta(minutes=19))


def test_checking_in_twice_keeps_the_first_time(db, printer, member, booking):
    first = START + timedelta(minutes=2)
    check_in(machine=printer, user=member, now=first)
    again = check_in(machine=printer, user=member, now=START + timedelta(minutes=5))

    assert again.checked_in_at == first


def test_nobody_checks_in_for_someone_elses_booking(printer, make_user, booking):
    stranger = make_user()
    with pytest.raises(CheckInRefused):
        check_in(machine=printer, user=stranger, now=START)


def test_no_show_frees_the_rest_of_the_slot_for_another_member(
    db, printer, member, make_user, booking, lab_settings
):
    lab_settings.no_show_after_minutes = 15
    db.session.commit()

    assert release_no_shows(now=START + timedelta(minutes=14)) == []
    released = release_no_shows(now=START + timedelta(minutes=20))
    db.session.commit()

    assert [r.id for r in released] == [booking.id]
    assert booking.status == "no_show"
    other = make_user()
    later = create_reservation(
        machine=printer,
        user=other,
        start=paris(2027, 3, 1, 10, 30),
        end=END,
        now=START + timedelta(minutes=20),
    )
    db.session.commit()
    assert later.status == "confirmed"
    # A rerun changes nothing.
    assert release_no_shows(now=START + timedelta(minutes=40)) == []


def test_a_checked_in_booking_is_never_released(db, printer, member, booking):
    check_in(machine=printer, user=member, now=START)
    db.session.commit()

    assert release_no_shows(now=START + timedelta(hours=1)) == []
    assert booking.status == "confirmed"
    with pytest.raises(SlotTaken):
        create_reservation(
            machine=printer,
            user=member,
            start=paris(2027, 3, 1, 11, 0),
            end=END,
            now=START + timedelta(hours=1),
        )


def test_kiosk_check_in_with_email_and_password(client, db, printer, member, booking):
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        page = client.get(f"/kiosk/machines/{printer.id}")
        assert page.status_code == 200
        assert "Alex Member" not in page.get_data(as_text=True)  # no names on the kiosk

        wrong = client.post(
            f"/kiosk/machines/{printer.id}/check-in",
            data={"email": member.email, "password": "not the password"},
            follow_redirects=True,
        )
        assert "Wrong e-mail or password" in wrong.get_data(as_text=True)
        db.session.refresh(booking)
        assert booking.checked_in_at is None

        right = client.post(
            f"/kiosk/machines/{printer.id}/check-in",
            data={"email": member.email, "password": TEST_PASSWORD},
            follow_redirects=True,
        )
    assert "Checked in" in right.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.checked_in_at is not None


def test_logged_in_booker_checks_in_with_one_button(login_as, db, printer, member, booking):
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        client = login_as(member)  # signed now: a session cookie expires after 31 days
        page = client.get(f"/kiosk/machines/{printer.id}")
        assert 'id="check-in"' in page.get_data(as_text=True)
        client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
    db.session.refresh(booking)
    assert booking.checked_in_at is not None


def test_managers_print_the_machine_qr_code(login_as, printer, manager, member):
    page = login_as(manager).get(f"/kiosk/machines/{printer.id}/qr")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<svg" in body and f"/kiosk/machines/{printer.id}" in body

    assert login_as(member).get(f"/kiosk/machines/{printer.id}/qr").status_code == 403


def test_managers_get_a_printable_sheet_of_every_qr_code(login_as, printer, manager):
    page = login_as(manager).get("/kiosk")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("<svg") == 1
