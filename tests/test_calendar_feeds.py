# ruff: noqa: F811  (pytest fixtures imported from tests.calendar_helpers)
"""The iCalendar feeds, as calendar apps read them (icalendar, vobject, ical.js)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fablab.timeutil import utcnow
from tests.calendar_helpers import (
    book_directly,  # noqa: F401  (fixture)
    make_event,  # noqa: F401  (fixture)
    paris,
    parse_with_icaljs,
    utc_starts,
    vevents_icalendar,
    vevents_vobject,
)


@pytest.fixture
def printer(make_machine):
    return make_machine(name="Prusa MK4", location="Atelier 1")


def user_url(user) -> str:
    """The person's feed URL, made as the subscription page's button makes it."""
    from fablab.calendars.tokens import rotate_user_token
    from fablab.extensions import db

    if user.id not in _urls:
        _urls[user.id] = f"/calendar/user/{rotate_user_token(user)}.ics"
        db.session.commit()
    return _urls[user.id]


_urls: dict[int, str] = {}


@pytest.fixture(autouse=True)
def _forget_urls():
    _urls.clear()


def user_feed(client, user):
    return client.get(user_url(user))


def test_a_person_subscribes_to_their_bookings(client, member, printer, book_directly):
    reservation = book_directly(printer, member, paris(2027, 7, 6, 10))

    response = user_feed(client, member)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.data
    for line in (
        b"X-WR-CALNAME:",
        b"X-WR-TIMEZONE:Europe/Paris",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
        b"BEGIN:VTIMEZONE",
        b"TZID:Europe/Paris",
    ):
        assert line in body
    event = vevents_icalendar(body)[f"reservation-{reservation.id}@localhost"]
    assert "Prusa MK4" in str(event["SUMMARY"])
    assert event["STATUS"] == "CONFIRMED"
    assert event.get("DTSTAMP") is not None
    assert event["SEQUENCE"] == 0


def test_summer_and_winter_bookings_show_the_right_utc_instant(
    client, member, printer, book_directly
):
    summer = book_directly(printer, member, paris(2027, 7, 6, 10))
    winter = book_directly(printer, member, paris(2027, 1, 12, 10))

    starts = utc_starts(user_feed(client, member).data)

    for parser, found in starts.items():
        assert found[f"reservation-{summer.id}@localhost"] == "2027-07-06T08:00Z", parser
        assert found[f"reservation-{winter.id}@localhost"] == "2027-01-12T09:00Z", parser


def test_a_moved_booking_keeps_its_uid_and_its_sequence_grows(
    client, db, member, printer, book_directly
):
    reservation = book_directly(printer, member, paris(2027, 1, 12, 10))
    uid = f"reservation-{reservation.id}@localhost"
    before = vevents_icalendar(user_feed(client, member).data)[uid]

    # What the bookings move service does: new times, SEQUENCE + 1.
    reservation.start_at = paris(2027, 1, 13, 14).astimezone(reservation.start_at.tzinfo)
    reservation.end_at = reservation.blocked_until = reservation.start_at + timedelta(hours=2)
    reservation.sequence += 1
    db.session.commit()
    after = vevents_icalendar(user_feed(client, member).data)[uid]

    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert utc_starts(user_feed(client, member).data)["ical.js"][uid] == "2027-01-13T13:00Z"


def test_a_cancelled_booking_stays_as_cancelled_for_a_while(client, member, printer, book_directly):
    recent = book_directly(
        printer, member, paris(2027, 1, 12, 10), status="cancelled", cancelled_at=utcnow()
    )
    old = book_directly(
        printer,
        member,
        paris(2027, 1, 14, 10),
        status="cancelled",
        cancelled_at=utcnow() - timedelta(days=31),
    )

    body = user_feed(client, member).data

    events = vevents_icalendar(body)
    assert events[f"reservation-{recent.id}@localhost"]["STATUS"] == "CANCELLED"
    assert f"reservation-{old.id}@localhost" not in events
    assert {e["uid"]: e["status"] for e in parse_with_icaljs(body)["events"]} == {
        f"reservation-{recent.id}@localhost": "CANCELLED"
    }


def test_a_person_sees_only_their_own_bookings(client, member, make_user, printer, book_directly):
    other = make_user(name="Someone Else")
    book_directly(printer, other, paris(2027, 1, 12, 10))

    assert vevents_icalendar(user_feed(client, member).data) == {}


def test_the_machine_feed_shows_busy_blocks_without_names(
    client, member, make_user, printer, book_directly
):
    book_directly(printer, member, paris(2027, 1, 12, 10), note="secret project for Alex")
    book_directly(printer, make_user(email="zoe@example.org", name="Zoé"), paris(2027, 1, 13, 10))

    english = client.get(f"/calendar/machines/{printer.id}.ics?lang=en").data
    french = client.get(f"/calendar/machines/{printer.id}.ics?lang=fr").data

    for body in (english, french):
        text = body.decode()
        for secret in ("Alex", "Member", "member@example.org", "Zoé", "zoe@example.org", "secret"):
            assert secret not in text
        assert len(vevents_icalendar(body)) == 2
    assert {str(e["SUMMARY"]) for e in vevents_icalendar(english).values()} == {"Booked"}
    assert {str(e["SUMMARY"]) for e in vevents_icalendar(french).values()} == {"Réservé"}


def test_an_unknown_machine_has_no_feed(client):
    assert client.get("/calendar/machines/999.ics").status_code == 404


def test_the_company_feed_holds_every_employees_bookings(
    client, make_company, make_user, printer, book_directly
):
    from fablab.calendars.tokens import rotate_company_token

    company = make_company(legal_name="Demo Industries")
    contact = make_user(company=company, is_company_contact=True, name="Carla Contact")
    employee = make_user(company=company, name="Eli Employee")
    outsider = make_user(name="Outsider")
    mine = book_directly(printer, employee, paris(2027, 1, 12, 10), company=company)
    book_directly(printer, outsider, paris(2027, 1, 13, 10))
    token = rotate_company_token(contact.company)
    from fablab.extensions import db

    db.session.commit()

    body = client.get(f"/calendar/company/{token}.ics").data

    events = vevents_icalendar(body)
    assert list(events) == [f"reservation-{mine.id}@localhost"]
    assert "Eli Employee" in str(events[f"reservation-{mine.id}@localhost"]["SUMMARY"])


def test_the_events_feed_lists_published_events(client, db, make_event):
    published = make_event(title_fr="Journée découverte", title_en="Discovery day")
    make_event(title_fr="Brouillon", status="draft")
    cancelled = make_event(title_fr="Annulé", status="cancelled", cancelled_at=utcnow())

    body = client.get("/calendar/events.ics?lang=en").data

    events = vevents_icalendar(body)
    assert set(events) == {f"event-{published.id}@localhost", f"event-{cancelled.id}@localhost"}
    assert str(events[f"event-{published.id}@localhost"]["SUMMARY"]) == "Discovery day"
    assert events[f"event-{cancelled.id}@localhost"]["STATUS"] == "CANCELLED"
    starts = utc_starts(body)
    assert starts["ical.js"][f"event-{published.id}@localhost"] == "2027-07-10T07:00Z"


def test_a_person_feed_holds_the_events_they_registered_to(client, db, member, make_event):
    from fablab.events.models import Registration

    event = make_event(title_fr="Formation laser", title_en="Laser training")
    left = make_event(title_fr="Atelier quitté")
    db.session.add_all(
        [
            Registration(event=event, user_id=member.id, email=member.email, status="confirmed"),
            Registration(
                event=left,
                user_id=member.id,
                email=member.email,
                status="cancelled",
                cancelled_at=utcnow(),
            ),
        ]
    )
    db.session.commit()

    events = vevents_icalendar(user_feed(client, member).data)

    assert str(events[f"event-{event.id}@localhost"]["SUMMARY"]) == "Laser training"
    assert events[f"event-{event.id}@localhost"]["STATUS"] == "CONFIRMED"
    assert events[f"event-{left.id}@localhost"]["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("feed", ["user", "company", "machine", "events"])
def test_every_feed_parses_with_three_independent_parsers(
    client, db, feed, make_company, make_user, printer, book_directly, make_event
):
    from fablab.calendars.tokens import rotate_company_token
    from fablab.events.models import Registration

    company = make_company()
    employee = make_user(company=company, is_company_contact=True, name="Émile «quote», ; \\")
    book_directly(printer, employee, paris(2027, 3, 28, 1), hours=3, company=company)
    book_directly(printer, employee, paris(2027, 10, 31, 1), hours=3, status="cancelled")
    event = make_event(title_fr="Portes ouvertes ; été, « FabLab »")
    db.session.add(
        Registration(
            event=event,
            user_id=employee.id,
            email=employee.email,
            status="waitlisted",
            waitlist_position=1,
        )
    )
    url = {
        "user": user_url(employee),
        "company": f"/calendar/company/{rotate_company_token(company)}.ics",
        "machine": f"/calendar/machines/{printer.id}.ics",
        "events": "/calendar/events.ics",
    }[feed]
    db.session.commit()

    body = client.get(url).data

    by_icalendar = vevents_icalendar(body)
    assert by_icalendar
    assert set(vevents_vobject(body)) == set(by_icalendar)
    by_icaljs = parse_with_icaljs(body)
    assert {e["uid"] for e in by_icaljs["events"]} == set(by_icalendar)
    assert by_icaljs["zones"] == ["Europe/Paris"]
    assert by_icaljs["refresh"] == "PT1H"
    starts = utc_starts(body)
    assert starts["icalendar"] == starts["vobject"] == starts["ical.js"]


def test_an_empty_feed_still_carries_the_lab_zone(client, member, lab_settings):
    body = user_feed(client, member).data

    assert b"BEGIN:VTIMEZONE" in body
    assert parse_with_icaljs(body)["zones"] == ["Europe/Paris"]


def test_a_conditional_get_answers_304_until_something_changes(
    client, db, member, printer, book_directly
):
    reservation = book_directly(printer, member, paris(2027, 1, 12, 10))
    first = user_feed(client, member)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    url = user_url(member)

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304

    reservation.status = "cancelled"
    reservation.cancelled_at = utcnow() + timedelta(seconds=2)
    reservation.sequence += 1
    reservation.updated_at = utcnow() + timedelta(seconds=2)
    db.session.commit()

    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert b"STATUS:CANCELLED" in changed.data
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_the_etag_comes_from_an_aggregate_not_from_the_feed(client, member, monkeypatch):
    from fablab.calendars import feeds

    etag = user_feed(client, member).headers["ETag"]
    monkeypatch.setattr(feeds, "user_feed", lambda *a, **k: pytest.fail("feed was built"))

    response = client.get(user_url(member), headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.headers["ETag"] == etag


def test_public_feeds_answer_304_too(client, printer, make_event):
    make_event()
    for url in ("/calendar/events.ics", f"/calendar/machines/{printer.id}.ics"):
        first = client.get(url)
        assert first.status_code == 200
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
