# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Booking e-mails: confirmation and cancellation with an .ics, reminders, in one's language."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import time_machine
import vobject
from flask_babel import force_locale

from fablab.bookings.jobs import send_reminders_job
from fablab.bookings.recurring import book_weekly_series
from fablab.bookings.services import cancel_reservation, create_reservation
from fablab.transaction import commit, rollback
from tests.bookings_fixtures import NOW, open_lab, paris, printer  # noqa: F401

START, END = paris(2027, 3, 3, 14, 0), paris(2027, 3, 3, 16, 0)


@pytest.fixture(autouse=True)
def _english(app, client):
    """Messages in English, also outside a request (services called directly)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with force_locale("en"):
        yield


def booked(printer, user, **kwargs):
    reservation = create_reservation(
        machine=printer, user=user, start=START, end=END, now=NOW, **kwargs
    )
    commit()
    return reservation


def ics_of(mail) -> icalendar.Calendar:
    (filename, content, mimetype) = mail.attachments[0]
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def only_event(calendar):
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_confirmation_carries_the_booking_as_ics(printer, member, outbox):
    reservation = booked(printer, member)

    (mail,) = outbox
    assert mail.to == [member.email]
    assert mail.subject == "Booking confirmed: Prusa MK4"
    calendar = ics_of(mail)
    event = only_event(calendar)
    assert str(event["uid"]) == f"reservation-{reservation.id}@localhost"
    assert str(event["status"]) == "CONFIRMED"
    assert event["sequence"] == 0
    assert event.decoded("dtstart") == START and event.decoded("dtend") == END
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Paris"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert "Alex Member" not in calendar.to_ical().decode()
    # A second parser (vobject) reads it too.
    parsed = vobject.readOne(calendar.to_ical().decode())
    assert parsed.vevent.dtstart.value == START


def test_a_french_member_gets_french_mail(printer, make_user, outbox):
    marie = make_user(email="marie@example.org", locale="fr")
    booked(printer, marie)

    (mail,) = outbox
    assert mail.subject == "Réservation confirmée : Prusa MK4"
    assert "Bonjour" in mail.body and "mercredi 3 mars 2027" in mail.body
    assert only_event(ics_of(mail))["summary"] == "Réservation : Prusa MK4"


def test_cancellation_removes_the_event_from_calendars(printer, member, outbox):
    reservation = booked(printer, member)
    cancel_reservation(reservation=reservation, by=member, reason="ill", now=NOW)
    commit()

    confirmation, cancellation = outbox
    assert cancellation.subject == "Booking cancelled: Prusa MK4"
    assert "ill" in cancellation.body
    before, after = only_event(ics_of(confirmation)), only_event(ics_of(cancellation))
    assert after["uid"] == before["uid"]
    assert str(after["status"]) == "CANCELLED" and after["sequence"] == 1


def test_nothing_is_sent_for_a_held_booking_or_a_rolled_back_one(printer, member, outbox):
    create_reservation(machine=printer, user=member, start=START, end=END, now=NOW, status="held")
    commit()
    create_reservation(
        machine=printer,
        user=member,
        start=START + timedelta(days=1),
        end=END + timedelta(days=1),
        now=NOW,
    )
    rollback()
    assert outbox == []


def test_a_series_sends_one_mail_with_every_week(db, printer, member, manager, outbox):
    from fablab.bookings.notifications import notify_series_confirmed

    result = book_weekly_series(
        machine=printer, user=member, start=START, end=END, by=manager, count=3, now=NOW
    )
    notify_series_confirmed(result.booked)
    commit()

    (mail,) = outbox
    assert len(list(ics_of(mail).walk("VEVENT"))) == 3


def test_reminder_the_day_before_once(db, printer, member, outbox):
    reservation = booked(printer, member)
    outbox.clear()

    with time_machine.travel(START - timedelta(hours=25), tick=False):
        assert send_reminders_job() == 0
    with time_machine.travel(START - timedelta(hours=23), tick=False):
        assert send_reminders_job() == 1
        assert send_reminders_job() == 0

    (mail,) = outbox
    assert mail.subject == "Reminder: your booking of Prusa MK4"
    db.session.refresh(reservation)
    assert reservation.reminder_sent_at == START - timedelta(hours=23)


def test_a_last_minute_booking_gets_no_separate_reminder(db, printer, member, outbox):
    with time_machine.travel(START - timedelta(hours=3), tick=False):
        create_reservation(machine=printer, user=member, start=START, end=END)
        commit()
    outbox.clear()
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        assert send_reminders_job() == 0
    assert outbox == []


def test_a_moved_booking_sends_the_new_times(printer, member, outbox):
    from fablab.bookings.services import move_reservation

    reservation = booked(printer, member)
    move_reservation(
        reservation=reservation,
        start=START + timedelta(hours=1),
        end=END + timedelta(hours=1),
        by=member,
        now=NOW,
    )
    commit()

    moved = outbox[-1]
    assert moved.subject == "Booking changed: Prusa MK4"
    event = only_event(ics_of(moved))
    assert event["sequence"] == 1 and event.decoded("dtstart") == START + timedelta(hours=1)


def test_a_no_show_is_told_and_removed_from_the_calendar(printer, member, outbox):
    from fablab.bookings.jobs import release_no_shows_job

    booked(printer, member)
    outbox.clear()
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert release_no_shows_job() == 1
        assert release_no_shows_job() == 0

    (mail,) = outbox
    assert mail.subject == "Booking released: Prusa MK4"
    assert str(only_event(ics_of(mail))["status"]) == "CANCELLED"
