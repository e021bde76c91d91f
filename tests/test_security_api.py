"""API input and authentication: deep JSON is a 400, a bad Bearer token is a 401 even beside
a session cookie, a member cannot probe who has an account, and error documents match the
OpenAPI document."""

from __future__ import annotations

import pytest


@pytest.fixture
def bearer(app, db):
    from fablab.accounts.tokens import create_api_token

    def _bearer(user):
        _, secret = create_api_token(user=user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _bearer


@pytest.mark.parametrize("deep", [100_000, 900, 40])
def test_deeply_nested_json_is_a_clear_4xx(client, member, bearer, deep):
    body = "[" * deep + "]" * deep
    for path in ("/api/v1/reservations", "/api/v1/usage/sessions"):
        answer = client.post(
            path, data=body, content_type="application/json", headers=bearer(member)
        )
        assert answer.status_code in (400, 422), (path, answer.status_code)
        assert answer.get_json()["error"] in ("bad_request", "invalid")


def test_ordinary_nesting_still_works(client, member, bearer):
    answer = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": 999_999, "user_id": member.id},
        headers=bearer(member),
    )
    assert answer.status_code == 404  # parsed, then: no such machine


def test_depth_counts_lists_and_objects():
    from fablab.security.bodies import depth

    assert depth({"a": [1, {"b": []}]}) == 4
    assert depth("text") == 0


def test_a_bogus_bearer_token_beside_a_session_cookie_is_401(
    client, login_as, member, make_machine
):
    login_as(member)
    machine = make_machine()
    answer = client.post(
        "/api/v1/usage/sessions",
        json={"machine_id": machine.id},
        headers={"Authorization": "Bearer bogus"},
    )
    assert answer.status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer bogus"}).status_code == 401


def test_a_valid_bearer_token_decides_who_calls(client, login_as, member, manager, bearer):
    login_as(manager)
    assert client.get("/api/v1/me", headers=bearer(member)).get_json()["email"] == member.email


def test_a_member_cannot_tell_who_has_an_account(client, member, make_user, make_machine, bearer):
    machine = make_machine()
    someone = make_user(email="someone@example.org")
    answers = [
        client.post(
            "/api/v1/usage/sessions",
            json={"machine_id": machine.id, "user_email": email},
            headers=bearer(member),
        )
        for email in (someone.email, "nobody@example.org")
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].get_json() == answers[1].get_json()


def test_the_error_schema_documents_the_fields_member(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert "fields" in error["properties"]
