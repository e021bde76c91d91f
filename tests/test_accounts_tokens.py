"""Personal API tokens, from the profile page to the API and back."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fablab.accounts.models import ApiToken


@pytest.fixture(autouse=True)
def english(app, client, monkeypatch):
    """These tests read the English messages (the lab's default language is French)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    make_client = app.test_client

    def english_client(*args, **kwargs):
        other = make_client(*args, **kwargs)
        other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return other

    monkeypatch.setattr(app, "test_client", english_client)


def create_token_on_profile(client, label="kiosk") -> str:
    response = client.post("/profile/tokens", data={"token-name": label})
    assert response.status_code == 201
    return re.search(r'id="new-token">([^<]+)<', response.get_data(as_text=True)).group(1)


def test_a_token_created_on_the_profile_page_opens_the_api(app, client, db, member, login_as):
    login_as(member)
    secret = create_token_on_profile(client)
    api = app.test_client()  # no session cookie: the token alone

    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    assert response.json["email"] == "member@example.org"
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_the_secret_is_shown_once(client, member, login_as):
    login_as(member)
    secret = create_token_on_profile(client)

    page = client.get("/profile").get_data(as_text=True)

    assert secret not in page
    assert secret[:10] in page  # the prefix, to recognise it
    assert "kiosk" in page


def test_a_revoked_token_gets_401(app, client, db, member, login_as):
    login_as(member)
    secret = create_token_on_profile(client)
    token = db.session.scalar(sa.select(ApiToken))

    response = client.post(f"/profile/tokens/{token.id}/revoke")

    assert response.status_code == 302
    api = app.test_client()
    response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert "revoked" in client.get("/profile").get_data(as_text=True)


def test_tokens_stop_working_when_the_account_is_deactivated(app, client, db, member, login_as):
    login_as(member)
    secret = create_token_on_profile(client)

    member.active = False
    db.session.commit()

    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401


def test_one_cannot_revoke_someone_elses_token(client, db, member, make_user, login_as):
    from fablab.accounts.tokens import create_api_token

    other = make_user()
    token, _ = create_api_token(user=other, name="theirs")
    db.session.commit()
    login_as(member)

    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_a_token_needs_a_label(client, db, member, login_as):
    login_as(member)

    response = client.post("/profile/tokens", data={"token-name": ""})

    assert response.status_code == 422
    assert b"This field is required." in response.data
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
