# ruff: noqa: F811  (pytest fixtures imported from tests.calendar_helpers)
"""Importing an external iCalendar feed as closures, against a tiny local HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from fablab.calendars.imports import (
    SubscriptionError,
    add_subscription,
    refresh_subscription,
    remove_subscription,
)
from fablab.machines.models import Closure
from tests.calendar_helpers import calendar, feed_server  # noqa: F401

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)

HOLIDAY = """BEGIN:VEVENT
UID:bastille-2027@example.net
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270714
DTEND;VALUE=DATE:20270715
SUMMARY:Fête nationale
TRANSP:TRANSPARENT
END:VEVENT
"""
WORKS = """BEGIN:VEVENT
UID:works-1@building.example.net
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Paris:20270310T140000
DTEND;TZID=Europe/Paris:20270310T160000
SUMMARY:{summary}
END:VEVENT
"""
CHRISTMAS = """BEGIN:VEVENT
UID:christmas@example.net
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20201225
DTEND;VALUE=DATE:20201226
RRULE:FREQ=YEARLY
SUMMARY:Noël
END:VEVENT
"""
OLD = """BEGIN:VEVENT
UID:long-ago@example.net
DTSTAMP:20100101T000000Z
DTSTART;VALUE=DATE:20100101
SUMMARY:Long ago
END:VEVENT
"""


@pytest.fixture(autouse=True)
def english(app):
    """Services translate their messages; outside a request the locale must be set."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def closures(db) -> dict[str, Closure]:
    rows = db.session.scalars(sa.select(Closure).where(Closure.source.like("ics:%"))).all()
    return {row.external_uid: row for row in rows}


def refresh(db, subscription, now=NOW):
    result = refresh_subscription(subscription=subscription, now=now, timeout=5)
    db.session.commit()
    return result


def test_a_refresh_turns_the_events_into_closures(db, feed_server):
    feed_server.body = calendar(HOLIDAY, WORKS.format(summary="Travaux"), CHRISTMAS, OLD)
    subscription = add_subscription(name="Jours fériés", url=feed_server.url)

    result = refresh(db, subscription)

    assert (result.created, result.error) == (4, None)
    found = closures(db)
    bastille = found["bastille-2027@example.net"]
    # An all-day event closes the whole local day (Paris is UTC+2 in July).
    assert bastille.start_at == datetime(2027, 7, 13, 22, tzinfo=UTC)
    assert bastille.end_at == datetime(2027, 7, 14, 22, tzinfo=UTC)
    assert bastille.title == "Fête nationale"
    assert bastille.machine_id is None
    assert bastille.source == f"ics:{subscription.id}"
    works = found["works-1@building.example.net"]
    assert (works.start_at, works.end_at) == (
        datetime(2027, 3, 10, 13, tzinfo=UTC),
        datetime(2027, 3, 10, 15, tzinfo=UTC),
    )
    # A yearly event becomes one closure per year in the coming months; old ones are skipped.
    christmases = sorted(c.start_at for k, c in found.items() if k.startswith("christmas@"))
    assert christmases == [
        datetime(2026, 12, 24, 23, tzinfo=UTC),
        datetime(2027, 12, 24, 23, tzinfo=UTC),
    ]
    assert not any(key.startswith("long-ago") for key in found)
    assert subscription.last_error is None
    assert subscription.last_fetched_at == NOW


WEEKLY = """BEGIN:VEVENT
UID:cleaning@building.example.net
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Paris:20270104T080000
DTEND;TZID=Europe/Paris:20270104T090000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Paris:20270111T080000
SUMMARY:Ménage
END:VEVENT
BEGIN:VEVENT
UID:cleaning@building.example.net
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Paris:20270118T080000
DTSTART;TZID=Europe/Paris:20270119T100000
DTEND;TZID=Europe/Paris:20270119T110000
SUMMARY:Ménage (décalé)
END:VEVENT
"""


def test_recurring_events_skip_excluded_dates_and_follow_moved_occurrences(db, feed_server):
    feed_server.body = calendar(WEEKLY)
    subscription = add_subscription(name="Ménage", url=feed_server.url)

    refresh(db, subscription)

    found = sorted((c.start_at, c.title) for c in closures(db).values())
    assert found == [
        (datetime(2027, 1, 4, 7, tzinfo=UTC), "Ménage"),
        (datetime(2027, 1, 19, 9, tzinfo=UTC), "Ménage (décalé)"),
        (datetime(2027, 1, 25, 7, tzinfo=UTC), "Ménage"),
    ]


def test_changed_events_are_updated_and_vanished_ones_removed(db, feed_server):
    feed_server.body = calendar(HOLIDAY, WORKS.format(summary="Travaux"))
    subscription = add_subscription(name="Bâtiment", url=feed_server.url)
    refresh(db, subscription)
    first_ids = {key: closure.id for key, closure in closures(db).items()}

    feed_server.body = calendar(
        WORKS.format(summary="Travaux prolongés").replace("T160000", "T180000")
    )
    result = refresh(db, subscription)

    assert (result.created, result.updated, result.removed) == (0, 1, 1)
    found = closures(db)
    assert set(found) == {"works-1@building.example.net"}
    works = found["works-1@building.example.net"]
    assert works.id == first_ids["works-1@building.example.net"]
    assert works.title == "Travaux prolongés"
    assert works.end_at == datetime(2027, 3, 10, 17, tzinfo=UTC)


def test_the_etag_is_honoured(db, feed_server):
    feed_server.body = calendar(HOLIDAY)
    subscription = add_subscription(name="Jours fériés", url=feed_server.url)
    refresh(db, subscription)

    result = refresh(db, subscription)

    assert result.not_modified
    assert feed_server.requests[-1]["If-None-Match"] == subscription.etag
    assert len(closures(db)) == 1


def test_a_failed_fetch_is_recorded_and_keeps_the_closures(db, feed_server):
    feed_server.body = calendar(HOLIDAY)
    subscription = add_subscription(name="Jours fériés", url=feed_server.url)
    refresh(db, subscription)

    feed_server.status = 404
    result = refresh(db, subscription)

    assert "404" in result.error
    assert "404" in subscription.last_error
    assert len(closures(db)) == 1

    feed_server.status = 200
    feed_server.body = "this is not a calendar"
    assert refresh(db, subscription).error
    assert len(closures(db)) == 1


def test_an_unreachable_server_is_an_error_not_a_crash(db, lab_settings):
    subscription = add_subscription(name="Nowhere", url="http://127.0.0.1:9/nothing.ics")

    result = refresh(db, subscription)

    assert result.error
    assert subscription.last_error == result.error


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.net/x.ics", "", "nonsense"])
def test_only_web_addresses_are_accepted(db, url):
    with pytest.raises(SubscriptionError):
        add_subscription(name="Bad", url=url)


def test_a_webcal_address_is_fetched_over_https(db):
    subscription = add_subscription(name="Webcal", url="webcal://example.net/holidays.ics")

    assert subscription.url == "https://example.net/holidays.ics"


def test_a_machine_subscription_closes_only_that_machine(db, feed_server, make_machine):
    laser = make_machine(name="Laser", kind="laser_cutter")
    feed_server.body = calendar(WORKS.format(summary="Maintenance"))
    subscription = add_subscription(name="Maintenance laser", url=feed_server.url, machine=laser)

    refresh(db, subscription)

    assert [c.machine_id for c in closures(db).values()] == [laser.id]


def test_removing_a_subscription_removes_its_closures(db, feed_server):
    feed_server.body = calendar(HOLIDAY)
    subscription = add_subscription(name="Jours fériés", url=feed_server.url)
    refresh(db, subscription)
    db.session.add(
        Closure(title="Manual", start_at=NOW, end_at=NOW.replace(hour=18), source="manual")
    )
    db.session.commit()

    assert remove_subscription(subscription=subscription) == 1
    db.session.commit()

    assert closures(db) == {}
    assert db.session.scalar(sa.select(sa.func.count(Closure.id))) == 1


def test_the_job_refreshes_every_subscription(db, feed_server):
    from fablab.calendars.jobs import refresh_calendar_subscriptions

    feed_server.body = calendar(WORKS.format(summary="Travaux"))
    add_subscription(name="Bâtiment", url=feed_server.url)
    add_subscription(name="Broken", url="http://127.0.0.1:9/x.ics")
    db.session.commit()

    assert refresh_calendar_subscriptions() == 1

    assert "works-1@building.example.net" in closures(db)


def test_the_manager_adds_refreshes_and_removes_a_calendar(db, login_as, manager, feed_server):
    feed_server.body = calendar(WORKS.format(summary="Travaux"))
    client = login_as(manager)

    response = client.post(
        "/calendar/imports",
        data={"name": "Bâtiment", "url": feed_server.url, "machine_id": "0"},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bâtiment" in page and feed_server.url in page
    assert "1 closures added" in page
    (subscription_id,) = db.session.scalars(sa.text("SELECT id FROM calendar_subscriptions"))

    feed_server.status = 500
    page = client.post(
        f"/calendar/imports/{subscription_id}/refresh", follow_redirects=True
    ).get_data(as_text=True)
    assert "HTTP 500" in page

    client.post(f"/calendar/imports/{subscription_id}/delete")
    assert closures(db) == {}


def test_a_bad_address_is_shown_beside_the_field(login_as, manager):
    response = login_as(manager).post(
        "/calendar/imports", data={"name": "Bad", "url": "file:///etc/passwd", "machine_id": "0"}
    )

    assert response.status_code == 200
    assert "http, https or webcal" in response.get_data(as_text=True)


def test_members_cannot_manage_imports(login_as, member):
    client = login_as(member)

    assert client.get("/calendar/imports").status_code == 403
    assert client.post("/calendar/imports/1/refresh").status_code == 403
