"""The calendars part of the JSON API and of the CLI."""

# ruff: noqa: F811  (pytest fixtures imported from tests.calendar_helpers)
from __future__ import annotations

import pytest

from fablab.accounts.tokens import create_api_token
from tests.calendar_helpers import calendar, feed_server  # noqa: F401

HOLIDAY = """BEGIN:VEVENT
UID:bastille-2027@example.net
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270714
SUMMARY:Fête nationale
END:VEVENT
"""


@pytest.fixture
def bearer_for(db):
    def _make(user) -> dict:
        _, secret = create_api_token(user=user, name="test")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _make


def test_the_api_makes_a_feed_url_that_works_and_shows_it_once(client, member, bearer_for):
    headers = bearer_for(member)
    url = client.post("/api/v1/me/calendar-token", headers=headers).get_json()["calendar_url"]

    response = client.get(url.removeprefix("http://localhost"))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["calendar_url"] is None  # only its hash is kept
    assert url.rsplit("/", 1)[1].startswith(me["calendar_token_prefix"])


def test_a_new_feed_url_through_the_api_kills_the_old_one(client, member, bearer_for):
    headers = bearer_for(member)
    old = client.post("/api/v1/me/calendar-token", headers=headers).get_json()["calendar_url"]

    new = client.post("/api/v1/me/calendar-token", headers=headers).get_json()["calendar_url"]

    assert new != old
    assert client.get(old.removeprefix("http://localhost")).status_code == 404
    assert client.get(new.removeprefix("http://localhost")).status_code == 200


def test_a_manager_imports_a_calendar_through_the_api(client, manager, bearer_for, feed_server):
    headers = bearer_for(manager)
    feed_server.body = calendar(HOLIDAY)

    created = client.post(
        "/api/v1/calendar/subscriptions",
        json={"name": "Jours fériés", "url": feed_server.url},
        headers=headers,
    )

    assert created.status_code == 201
    body = created.get_json()
    assert body["closures"] == 1
    assert body["last_refresh"]["created"] == 1
    listed = client.get("/api/v1/calendar/subscriptions", headers=headers).get_json()
    assert [s["name"] for s in listed] == ["Jours fériés"]
    refreshed = client.post(
        f"/api/v1/calendar/subscriptions/{body['id']}/refresh", headers=headers
    ).get_json()
    assert refreshed["last_refresh"]["not_modified"] is True
    deleted = client.delete(f"/api/v1/calendar/subscriptions/{body['id']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get("/api/v1/calendar/subscriptions", headers=headers).get_json() == []


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x", "url": "file:///etc/passwd"}, "url"),
        ({"name": "", "url": "https://example.net/a.ics"}, "name"),
        ({"name": "x", "url": "https://example.net/a.ics", "machine_id": 999}, "machine_id"),
    ],
)
def test_bad_subscriptions_are_422(client, manager, bearer_for, payload, field):
    response = client.post(
        "/api/v1/calendar/subscriptions", json=payload, headers=bearer_for(manager)
    )

    assert response.status_code == 422
    assert response.get_json()["field"] == field


def test_members_cannot_see_imports(client, member, bearer_for):
    response = client.get("/api/v1/calendar/subscriptions", headers=bearer_for(member))

    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


def test_the_openapi_document_lists_the_calendar_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert "/api/v1/me/calendar-token" in paths
    assert "/api/v1/calendar/subscriptions" in paths


def test_the_cli_adds_and_refreshes_calendars(app, db, feed_server):
    from fablab.calendars.cli import calendars_group

    feed_server.body = calendar(HOLIDAY)
    runner = app.test_cli_runner()

    added = runner.invoke(calendars_group, ["add", "Jours fériés", feed_server.url])
    refreshed = runner.invoke(calendars_group, ["refresh"])
    listed = runner.invoke(calendars_group, ["list"])

    assert added.exit_code == 0, added.output
    assert refreshed.exit_code == 0, refreshed.output
    assert "Jours fériés" in listed.output and "\tok" in listed.output
