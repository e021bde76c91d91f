# ruff: noqa: F811  (pytest fixtures imported from tests.test_usage_api)
"""Members do not choose their billed time: a start or stop they send through the API is
"now" within a small tolerance. Devices and managers keep their own rules."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from fablab.timeutil import utcnow
from tests.test_usage_api import bearer, device, printer, stored  # noqa: F401


def test_a_member_cannot_stop_their_session_in_the_past(client, db, bearer, printer, member):
    headers = bearer(member)
    began = utcnow()
    with time_machine.travel(began, tick=False):
        started = client.post(
            "/api/v1/usage/sessions", json={"machine_id": printer.id}, headers=headers
        )
    assert started.status_code == 201
    session_id = started.json["id"]

    with time_machine.travel(began + timedelta(minutes=3, seconds=30), tick=False):
        shaved = client.post(
            f"/api/v1/usage/sessions/{session_id}/stop",
            json={"ended_at": (began + timedelta(seconds=1)).isoformat()},
            headers=headers,
        )
        assert shaved.status_code == 422
        assert shaved.json["field"] == "ended_at"
        assert stored(db)[0].ended_at is None  # nothing changed

        honest = client.post(f"/api/v1/usage/sessions/{session_id}/stop", json={}, headers=headers)
    assert honest.status_code == 200
    assert stored(db)[0].ended_at == began + timedelta(minutes=3, seconds=30)


def test_a_member_cannot_backdate_a_start(client, db, bearer, printer, member):
    answer = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": printer.id, "started_at": "2024-03-01T10:00:00+01:00"},
        headers=bearer(member),
    )

    assert answer.status_code == 422
    assert answer.json["field"] == "started_at"
    assert stored(db) == []


def test_a_member_may_send_now(client, bearer, printer, member):
    answer = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": printer.id, "started_at": utcnow().isoformat()},
        headers=bearer(member),
    )
    assert answer.status_code == 201


def test_devices_and_managers_keep_their_own_clock_rules(
    client, db, bearer, device, printer, member, manager
):
    an_hour_ago = (utcnow() - timedelta(hours=1)).isoformat()
    by_device = client.post(
        "/api/v1/usage/sessions",
        json={"user_email": member.email, "started_at": an_hour_ago},
        headers=device,
    )
    assert by_device.status_code == 201
    by_manager = client.post(
        f"/api/v1/usage/sessions/{by_device.json['id']}/stop",
        json={"ended_at": (utcnow() - timedelta(minutes=30)).isoformat()},
        headers=bearer(manager),
    )
    assert by_manager.status_code == 200
