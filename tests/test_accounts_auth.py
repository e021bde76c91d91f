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
    data = {"name": "Sam Maker", "email": "sam@example.org"}
    data.update(overrides)
    data.setdefault("locale", "en")
    return client.post("/signup", data=data)


def test_signup_mails_a_link_and_the_link_makes_the_account(client, db, outbox):
    response = signup(client, email="Sam@Example.org")

    assert response.status_code == 302
    assert count_users(db) == 0  # nothing exists before the address is proven
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your mailbox to finish" in page
    assert outbox[0].to == ["sam@example.org"]
    assert outbox[0].subject == "Finish creating your account"
    link = re.search(r"http://localhost(/signup/finish/\S+)", outbox[0].body).group(1)

    response = client.post(link, data={"name": "Sam Maker", "password": GOOD_PASSWORD})

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "sam@example.org"
    assert user.role == "member"
    assert user.locale == "en"
    assert user.password_hash.startswith("scrypt")
    assert b"Sam Maker" in client.get("/profile").data
    # The link is used up: a second visit sends the person to the login page.
    assert client.post("/logout").status_code == 302
    assert client.get(link).headers["Location"].startswith("/login")


def test_a_forged_or_altered_signup_link_is_refused(client, db, outbox):
    signup(client)
    link = re.search(r"http://localhost(/signup/finish/\S+)", outbox[0].body).group(1)

    response = client.post(link[:-2] + "xx", data={"name": "Sam", "password": GOOD_PASSWORD})

    assert response.status_code == 400
    assert b"no longer valid" in response.data
    assert count_users(db) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, b"Enter a valid e-mail address."),
        ({"email": ""}, b"This field is required."),
        ({"name": ""}, b"This field is required."),
    ],
)
def test_signup_refuses_bad_input_and_sends_nothing(client, db, outbox, overrides, message):
    response = signup(client, **overrides)

    assert response.status_code == 200
    assert message in response.data
    assert b'class="field-error"' in response.data
    assert count_users(db) == 0
    assert len(outbox) == 0


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", b"at least 10 characters"),
        ("password123", b"too easy to guess"),
        ("aaaaaaaaaaaa", b"too easy to guess"),
        ("", b"This field is required."),
    ],
)
def test_finishing_signup_refuses_a_weak_password(client, db, outbox, password, message):
    signup(client)
    link = re.search(r"http://localhost(/signup/finish/\S+)", outbox[0].body).group(1)

    response = client.post(link, data={"name": "Sam Maker", "password": password})

    assert response.status_code == 200
    assert message in response.data
    assert count_users(db) == 0


def test_signup_answers_a_taken_address_as_a_new_one_and_warns_its_owner(
    app, client, db, make_user, outbox
):
    make_user(email="taken@example.org", name="Owner")
    fresh = app.test_client()

    taken = signup(client, email="TAKEN@Example.ORG")
    new = signup(fresh, email="new@example.org")

    # What the visitor sees is the same: a redirect, then the same message.
    assert (taken.status_code, taken.headers["Location"]) == (302, new.headers["Location"])
    taken_page = client.get(taken.headers["Location"]).get_data(as_text=True)
    new_page = fresh.get(new.headers["Location"]).get_data(as_text=True)
    assert "Check your mailbox to finish" in taken_page
    assert taken_page.replace("TAKEN@Example.ORG", "X") == new_page.replace("new@example.org", "X")
    assert "already" not in taken_page
    assert client.get("/profile").status_code == 302  # nobody is logged in
    # The owner learns of it, with a way in; nothing else changes.
    warning = next(mail for mail in outbox if mail.to == ["taken@example.org"])
    assert warning.subject == "Someone tried to sign up with your address"
    assert "http://localhost/login" in warning.body
    assert "http://localhost/password/forgot" in warning.body
    assert "/signup/finish/" not in warning.body
    assert count_users(db) == 1


def test_signup_takes_as_long_for_a_taken_address_as_for_a_new_one(app, make_user, outbox):
    import time

    make_user(email="taken@example.org")

    def duration(email: str) -> float:
        client = app.test_client()
        started = time.perf_counter()
        signup(client, email=email)
        return time.perf_counter() - started

    for email in ("warm@example.org", "taken@example.org"):  # warm the caches
        duration(email)
    taken = min(duration("taken@example.org") for _ in range(3))
    new = min(duration(f"new{n}@example.org") for n in range(3))

    assert taken < 3 * new + 0.02 and new < 3 * taken + 0.02


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


def test_a_form_without_csrf_token_is_refused(client, db, outbox, monkeypatch, app):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = signup(client)

    assert response.status_code == 400
    assert len(outbox) == 0


def test_logout_without_csrf_token_is_refused(client, member, login_as, monkeypatch, app):
    login_as(member)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200


def test_a_form_with_its_csrf_token_is_accepted(client, db, outbox, monkeypatch, app):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = signup(client, csrf_token=token)

    assert response.status_code == 302
    assert len(outbox) == 1


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
def test_one_signup_link_used_twice_at_once_makes_one_account(app, db, outbox):
    import threading

    signup(app.test_client(), email="race@example.org")
    link = re.search(r"http://localhost(/signup/finish/\S+)", outbox[0].body).group(1)
    barrier = threading.Barrier(2)
    statuses = []

    def finish():
        with app.app_context():  # each thread its own context and session
            client = app.test_client()
            barrier.wait()
            statuses.append(client.post(link, data={"name": "R", "password": GOOD_PASSWORD}))

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.status_code for r in statuses) in ([200, 302], [302, 302])
    assert count_users(db) == 1
