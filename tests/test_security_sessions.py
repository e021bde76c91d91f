"""Sessions can be revoked: logout, a password change and deactivation end every session
and remember cookie; remember cookies are per login, 30 days, Secure and SameSite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def log_in(client, user, remember=False):
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def logged_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_a_session_naming_only_a_user_id_opens_nothing(client, member):
    # What anyone holding the signing key could forge before: {"_user_id": "1"}.
    with client.session_transaction() as session:
        session["_user_id"] = str(member.id)
    assert not logged_in(client)


def test_a_copied_session_cookie_dies_with_logout(app, client, member):
    log_in(client, member)
    copied = client.get_cookie("session").value
    client.post("/logout")

    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not logged_in(thief)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, client, member):
    other_device = app.test_client()
    log_in(other_device, member)
    log_in(client, member)

    changed = client.post(
        "/profile/password",
        data={
            "password-current_password": TEST_PASSWORD,
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )

    assert changed.status_code == 302
    assert logged_in(client)
    assert not logged_in(other_device)


def test_deactivation_ends_sessions_and_remember_cookies(app, client, member, manager, login_as):
    device = app.test_client()
    log_in(device, member, remember=True)
    remember = device.get_cookie("remember_token").value

    login_as(manager).post(f"/manage/users/{member.id}/deactivate")

    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember)
    assert not logged_in(device)
    assert not logged_in(fresh)


def test_remember_cookie_is_new_on_every_login_and_dies_with_logout(app, member):
    first, second = app.test_client(), app.test_client()
    log_in(first, member, remember=True)
    log_in(second, member, remember=True)
    token = first.get_cookie("remember_token").value
    assert token != second.get_cookie("remember_token").value

    browser = app.test_client()  # session gone (browser closed), remember cookie kept
    browser.set_cookie("remember_token", token)
    assert logged_in(browser)

    second.post("/logout")
    later = app.test_client()
    later.set_cookie("remember_token", token)
    assert not logged_in(later)


@pytest.mark.parametrize("secure", [True, False])
def test_remember_cookie_flags(app, client, member, monkeypatch, secure):
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", secure)
    response = log_in(client, member, remember=True)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    )
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}

    assert "httponly" in attributes
    assert "samesite=lax" in header.lower()
    assert ("secure" in attributes) is secure
    expires = parsedate_to_datetime(header.split("Expires=")[1].split(";")[0])
    assert abs(expires - datetime.now(UTC) - timedelta(days=30)) < timedelta(minutes=5)


def test_secure_session_cookies_follow_one_setting(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.SESSION_COOKIE_SECURE is True
        assert reloaded.Config.REMEMBER_COOKIE_SECURE is True
    finally:
        monkeypatch.delenv("SESSION_COOKIE_SECURE")
        importlib.reload(config)
