# ruff: noqa: F811  (the make_event fixture comes from tests.test_events_registrations)
"""The events API: the public list and registering with a token."""

from __future__ import annotations

import pytest

from fablab.accounts.tokens import create_api_token
from fablab.api.spec import build_spec
from fablab.transaction import commit
from tests.test_events_registrations import make_event  # noqa: F401  (fixture)


@pytest.fixture
def bearer(db, member):
    _, secret = create_api_token(user=member, name="test")
    commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_list_is_public_and_in_the_callers_language(client, make_event):
    event = make_event(title_fr="Journée découverte", title_en="Discovery day", capacity=5)
    make_event(publish=False)
    response = client.get("/api/v1/events", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    (item,) = response.get_json()
    assert item["id"] == event.id and item["title"] == "Discovery day"
    assert item["seats_left"] == 5 and item["start"].endswith("+00:00")


def test_a_bad_filter_is_a_422(client, db):
    response = client.get("/api/v1/events?kind=party")
    assert response.status_code == 422 and response.get_json()["error"] == "invalid"


def test_registering_with_a_token(client, make_event, bearer):
    event = make_event(capacity=1)
    response = client.post(
        f"/api/v1/events/{event.id}/registrations", json={"first_visit": True}, headers=bearer
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "confirmed"
    again = client.post(f"/api/v1/events/{event.id}/registrations", headers=bearer)
    assert again.status_code == 409 and again.get_json()["error"] == "already_registered"


def test_registering_needs_an_account_and_a_visible_event(client, make_event, bearer):
    event = make_event()
    assert client.post(f"/api/v1/events/{event.id}/registrations").status_code == 401
    draft = make_event(publish=False)
    response = client.post(f"/api/v1/events/{draft.id}/registrations", headers=bearer)
    assert response.status_code == 404
    response = client.post(
        f"/api/v1/events/{event.id}/registrations", json={"first_visit": "maybe"}, headers=bearer
    )
    assert response.status_code == 422


def test_the_endpoints_are_in_the_openapi_document(app):
    paths = build_spec(app)["paths"]
    assert "get" in paths["/api/v1/events"]
    assert "post" in paths["/api/v1/events/{event_id}/registrations"]
