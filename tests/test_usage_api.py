"""The device API: POST /api/v1/usage/sessions and /stop, with device or Bearer tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.timeutil import utcnow
from fablab.usage.models import UsageSession


@pytest.fixture
def printer(make_machine):
    return make_machine(name="Printer", consumable_unit="gram", consumable_rate_cents=5)


@pytest.fixture
def device(app, db, printer):
    from fablab.usage.devices import create_device_token

    with app.test_request_context():
        _, secret = create_device_token(machine=printer, label="badge reader")
    db.session.commit()
    return {"X-Device-Token": secret}


@pytest.fixture
def bearer(app, db):
    from fablab.accounts.tokens import create_api_token

    def _bearer(user):
        _, secret = create_api_token(user=user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _bearer


def stored(db) -> list[UsageSession]:
    db.session.rollback()
    return db.session.scalars(sa.select(UsageSession)).all()


def test_a_badge_reader_starts_and_stops_a_session_with_material(
    client, db, device, printer, member
):
    started = client.post(
        "/api/v1/usage/sessions",
        json={
            "user_email": member.email,
            "started_at": (utcnow() - timedelta(hours=1)).isoformat(),
        },
        headers=device,
    )
    assert started.status_code == 201, started.json
    body = started.json
    assert body["machine_id"] == printer.id
    assert body["user_id"] == member.id
    assert body["status"] == "open"
    assert body["source"] == "device"

    stopped = client.post(
        f"/api/v1/usage/sessions/{body['id']}/stop",
        json={"consumables": {"quantity": 23.4}},
        headers=device,
    )
    assert stopped.status_code == 200, stopped.json
    assert stopped.json["status"] == "closed"
    assert stopped.json["consumable_quantity_milli"] == 23400
    assert stopped.json["consumable_quantity"] == "23.4"
    assert stopped.json["consumable_unit"] == "gram"


@pytest.mark.parametrize(
    "headers",
    [{"X-Device-Token": "fld_not-a-token"}, {"X-Device-Token": ""}, {}],
)
def test_an_unknown_device_token_is_401_and_stores_nothing(client, db, printer, member, headers):
    response = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": printer.id, "user_email": member.email},
        headers=headers,
    )
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert stored(db) == []


@pytest.mark.parametrize("body", [None, {}, {"machine_id": 999}])
def test_an_anonymous_caller_is_401_before_the_body_is_read(client, db, body):
    for url in ("/api/v1/usage/sessions", "/api/v1/usage/sessions/999/stop"):
        response = client.post(url, json=body)
        assert response.status_code == 401, url
        assert response.json["error"] == "unauthorized"
    assert stored(db) == []


def test_a_revoked_device_token_is_refused(app, client, db, device, member):
    from fablab.usage.devices import revoke_device_token
    from fablab.usage.models import DeviceToken

    revoke_device_token(token=db.session.scalars(sa.select(DeviceToken)).one())
    db.session.commit()
    response = client.post(
        "/api/v1/usage/sessions", json={"user_email": member.email}, headers=device
    )
    assert response.status_code == 401
    assert stored(db) == []


def test_a_device_token_only_works_for_its_machine(client, db, device, make_machine, member):
    other = make_machine(name="Other")
    response = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": other.id, "user_email": member.email},
        headers=device,
    )
    assert response.status_code == 403
    assert stored(db) == []


def _start(client, device, member, minutes_ago=60):
    started = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()
    response = client.post(
        "/api/v1/usage/sessions",
        json={"user_email": member.email, "started_at": started},
        headers=device,
    )
    assert response.status_code == 201
    return response.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ended_at": "2001-01-01T10:00:00+01:00"}, "ended_at"),  # before the start
        ({"consumables": {"quantity": -3}}, "consumables"),
        ({"consumables": {"quantity": "NaN"}}, "consumables"),
        ({"ended_at": "2026-11-23T10:00:00"}, "ended_at"),  # naive
    ],
)
def test_bad_stops_are_422_and_the_session_stays_open(client, db, device, member, body, field):
    session = _start(client, device, member)
    response = client.post(
        f"/api/v1/usage/sessions/{session['id']}/stop", json=body, headers=device
    )
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid"
    assert response.json["field"] == field
    [kept] = stored(db)
    assert kept.status == "open"
    assert kept.consumable_quantity_milli == 0


def test_a_second_start_on_a_busy_machine_is_409(client, db, device, member, make_user):
    _start(client, device, member)
    response = client.post(
        "/api/v1/usage/sessions", json={"user_email": make_user().email}, headers=device
    )
    assert response.status_code == 409
    assert response.json["error"] == "conflict"
    assert len(stored(db)) == 1


def test_stopping_twice_is_409(client, device, member):
    session = _start(client, device, member)
    url = f"/api/v1/usage/sessions/{session['id']}/stop"
    assert client.post(url, json={}, headers=device).status_code == 200
    assert client.post(url, json={}, headers=device).status_code == 409


def test_unknown_person_or_session_is_404(client, db, device):
    response = client.post(
        "/api/v1/usage/sessions", json={"user_email": "nobody@example.org"}, headers=device
    )
    assert response.status_code == 404
    assert (
        client.post("/api/v1/usage/sessions/999/stop", json={}, headers=device).status_code == 404
    )
    assert stored(db) == []


def test_a_manager_starts_for_someone_with_a_bearer_token(client, bearer, printer, manager, member):
    response = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": printer.id, "user_id": member.id},
        headers=bearer(manager),
    )
    assert response.status_code == 201
    assert response.json["user_id"] == member.id


def test_a_member_starts_only_for_themselves(client, bearer, printer, member, make_user):
    other = make_user()
    refused = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": printer.id, "user_id": other.id},
        headers=bearer(member),
    )
    assert refused.status_code == 403
    mine = client.post(
        "/api/v1/usage/sessions", json={"machine_id": printer.id}, headers=bearer(member)
    )
    assert mine.status_code == 201
    assert mine.json["source"] == "kiosk"
    # Nobody else may stop it; the list shows a member only their own.
    other_stop = client.post(
        f"/api/v1/usage/sessions/{mine.json['id']}/stop", json={}, headers=bearer(other)
    )
    assert other_stop.status_code == 403
    assert client.get("/api/v1/usage/sessions", headers=bearer(other)).json == []
    listed = client.get("/api/v1/usage/sessions", headers=bearer(member)).json
    assert [s["id"] for s in listed] == [mine.json["id"]]


def test_the_endpoints_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    start = spec["paths"]["/api/v1/usage/sessions"]["post"]
    assert {"deviceToken": []} in start["security"]
    assert "/api/v1/usage/sessions/{session_id}/stop" in spec["paths"]
    assert "UsageSession" in spec["components"]["schemas"]
