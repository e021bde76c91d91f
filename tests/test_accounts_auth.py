"""Sign-up, login, logout, CSRF and password reset, as a visitor sees them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from tests.conftest import TEST_PASSWORD

GOOD_PASSWORD = "a long enough secret"


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


def count_users(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def signup(client, **overrides):
    data = {"name": "Sam Maker", "email": "sam@example.org", "password": GOOD_PASSWORD}
    data.update(overrides)
    data.setdefault("locale", "en")
    return client.post("/signup", data=data)


def test_signup_creates_an_account_and_logs_in(client, db):
    response = signup(client, email="Sam@Example.org")

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "sam@example.org"
    assert user.role == "member"
    assert user.locale == "en"
    assert user.password_hash.startswith("scrypt")
    assert b"Sam Maker" in client.get("/profile").data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, b"Enter a valid e-mail address."),
        ({"email": ""}, b"This field is required."),
        ({"password": "short"}, b"at least 10 characters"),
        ({"password": "password123"}, b"too easy to guess"),
        ({"password": "aaaaaaaaaaaa"}, b"too easy to guess"),
        ({"name": ""}, b"This field is required."),
    ],
)
def test_signup_refuses_bad_input_and_stores_nothing(client, db, overrides, message):
    response = signup(client, **overrides)

    assert response.status_code == 200
    assert message in response.data
    assert b'class="field-error"' in response.data
    assert count_users(db) == 0


def test_signup_refuses_an_email_already_used_in_another_case(client, db, make_user):
    make_user(email="taken@example.org")

    response = signup(client, email="TAKEN@Example.ORG")

    assert b"An account already uses this e-mail address." in response.data
    assert count_users(db) == 1


def test_login_with_the_right_password(client, member):
    response = client.post(
        "/login", data={"email": "MEMBER@example.org", "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert b"Alex Member" in client.get("/profile").data


@pytest.mark.parametrize(
    ("email", "password"),
    [("member@example.org", "wrong password!"), ("nobody@example.org", TEST_PASSWORD)],
)
def test_failed_login_says_the_same_thing_whatever_failed(client, member, email, password):
    response = client.post("/login", data={"email": email, "password": password})

    assert response.status_code == 200
    assert b"Wrong e-mail or password." in response.data
    assert client.get("/profile").status_code == 302  # still anonymous


def test_a_deactivated_account_cannot_log_in(client, make_user):
    make_user(email="gone@example.org", active=False)

    response = client.post("/login", data={"email": "gone@example.org", "password": TEST_PASSWORD})

    assert b"Wrong e-mail or password." in response.data
    assert client.get("/profile").status_code == 302


def test_a_session_stops_working_once_the_account_is_deactivated(client, db, member, login_as):
    login_as(member)
    assert client.get("/profile").status_code == 200

    member.active = False
    db.session.commit()

    assert client.get("/profile").status_code == 302


def test_logout_is_a_post(client, member, login_as):
    login_as(member)

    assert client.get("/logout").status_code == 405
    response = client.post("/logout")

    assert response.status_code == 302
    assert client.get("/profile").status_code == 302


def test_login_follows_next_on_our_host(client, member):
    response = client.post(
        "/login?next=/profile", data={"email": member.email, "password": TEST_PASSWORD}
    )

    assert response.headers["Location"] == "/profile"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_login_ignores_next_to_another_host(client, member, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": member.email, "password": TEST_PASSWORD},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_form_without_csrf_token_is_refused(client, db, monkeypatch, app):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = signup(client)

    assert response.status_code == 400
    assert count_users(db) == 0


def test_logout_without_csrf_token_is_refused(client, member, login_as, monkeypatch, app):
    login_as(member)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200


def test_a_form_with_its_csrf_token_is_accepted(client, db, monkeypatch, app):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = signup(client, csrf_token=token)

    assert response.status_code == 302
    assert count_users(db) == 1


def reset_link(mail) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", mail.body).group(1)


def test_password_reset_by_mail(client, member, outbox):
    response = client.post("/password/forgot", data={"email": "member@example.org"})

    assert response.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].to == ["member@example.org"]
    link = reset_link(outbox[0])
    assert client.get(link).status_code == 200

    response = client.post(link, data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})

    assert response.status_code == 302
    login = client.post("/login", data={"email": member.email, "password": GOOD_PASSWORD})
    assert login.status_code == 302


def test_a_reset_link_works_once(client, member, outbox):
    client.post("/password/forgot", data={"email": member.email})
    link = reset_link(outbox[0])
    client.post(link, data={"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})

    again = client.post(
        link, data={"password": "another good secret", "confirm": "another good secret"}
    )

    assert again.status_code == 400
    assert b"no longer valid" in again.data


def test_reset_refuses_a_weak_password_and_keeps_the_old_one(client, member, outbox):
    client.post("/password/forgot", data={"email": member.email})
    link = reset_link(outbox[0])

    response = client.post(link, data={"password": "short", "confirm": "short"})

    assert b"at least 10 characters" in response.data
    assert (
        client.post("/login", data={"email": member.email, "password": TEST_PASSWORD}).status_code
        == 302
    )


def test_reset_request_answers_the_same_for_an_unknown_address(client, member, outbox):
    known = client.post("/password/forgot", data={"email": member.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )

    assert len(outbox) == 1
    message = b"If an account uses this address"
    assert message in known.data and message in unknown.data


def test_reset_mail_is_in_the_users_language(client, make_user, outbox):
    make_user(email="francoise@example.org", locale="fr")

    client.post("/password/forgot", data={"email": "francoise@example.org"})

    assert "mot de passe" in outbox[0].subject.lower()


def test_reset_link_uses_the_configured_host_not_the_request_host(client, member, outbox):
    client.post("/password/forgot", data={"email": member.email}, headers={"Host": "evil.example"})

    assert "evil.example" not in outbox[0].body
    assert "http://localhost/password/reset/" in outbox[0].body


def test_password_change_from_the_profile(client, member, login_as):
    login_as(member)

    wrong = client.post(
        "/profile/password",
        data={
            "password-current_password": "not it at all",
            "password-password": GOOD_PASSWORD,
            "password-confirm": GOOD_PASSWORD,
        },
    )
    assert b"The current password is wrong." in wrong.data

    right = client.post(
        "/profile/password",
        data={
            "password-current_password": TEST_PASSWORD,
            "password-password": GOOD_PASSWORD,
            "password-confirm": GOOD_PASSWORD,
        },
    )
    assert right.status_code == 302
    client.post("/logout")
    assert (
        client.post("/login", data={"email": member.email, "password": GOOD_PASSWORD}).status_code
        == 302
    )


def test_profile_update(client, db, member, login_as):
    login_as(member)

    response = client.post(
        "/profile",
        data={"profile-name": "Alex M.", "profile-phone": "06 12 34 56 78", "profile-locale": "fr"},
    )

    assert response.status_code == 302
    db.session.refresh(member)
    assert (member.name, member.phone, member.locale) == ("Alex M.", "06 12 34 56 78", "fr")


@pytest.mark.slow
def test_two_simultaneous_signups_with_one_address_make_one_account(app, db):
    import threading

    barrier = threading.Barrier(2)
    statuses = []

    def sign_up(email):
        with app.app_context():  # each thread its own context and session
            client = app.test_client()
            barrier.wait()
            statuses.append(signup(client, email=email).status_code)

    threads = [
        threading.Thread(target=sign_up, args=(email,))
        for email in ("race@example.org", "RACE@example.org")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [200, 302]  # one account, one error beside the field
    assert count_users(db) == 1
