# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Brute force: wrong passwords are limited per account and per address, on the login page
and the kiosk alike; anonymous mail-sending forms and the API are limited too."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine

from tests.bookings_fixtures import book, open_lab, paris, printer  # noqa: F401
from tests.conftest import TEST_PASSWORD

START = paris(2027, 3, 1, 10, 0)


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def login(client, email, password, address="192.0.2.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_eleventh_wrong_password_in_a_minute_is_refused_even_when_right(client, member):
    for _ in range(10):
        assert login(client, member.email, "wrong password!").status_code == 200

    blocked = login(client, member.email, TEST_PASSWORD)

    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many wrong passwords" in blocked.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_the_lockout_ends_after_the_window(client, member):
    with time_machine.travel("2027-03-01 09:00Z", tick=False):
        for _ in range(10):
            login(client, member.email, "wrong password!")
        assert login(client, member.email, TEST_PASSWORD).status_code == 429
    with time_machine.travel("2027-03-01 09:02Z", tick=False):
        assert login(client, member.email, TEST_PASSWORD).status_code == 302


def test_an_unknown_account_is_limited_exactly_like_a_known_one(client, member):
    for address, email in (("192.0.2.10", member.email), ("192.0.2.20", "nobody@example.org")):
        answers = [login(client, email, "wrong password!", address) for _ in range(11)]
        assert [a.status_code for a in answers] == [200] * 10 + [429]


def test_one_address_trying_many_accounts_is_limited(client, make_user):
    users = [make_user() for _ in range(11)]
    answers = [login(client, user.email, "wrong password!") for user in users]

    assert [a.status_code for a in answers] == [200] * 10 + [429]
    # Another address may still log in to the eleventh account.
    assert login(client, users[-1].email, TEST_PASSWORD, "198.51.100.7").status_code == 302


def test_signing_up_and_asking_for_resets_in_bulk_is_limited(client):
    signups = [
        client.post("/signup", data={"email": f"bot{n}@example.org", "password": "x"})
        for n in range(6)
    ]
    resets = [
        client.post("/password/forgot", data={"email": f"bot{n}@example.org"}) for n in range(6)
    ]

    assert signups[-1].status_code == 429 and signups[-2].status_code != 429
    assert resets[-1].status_code == 429 and resets[-2].status_code != 429


def test_the_api_limits_each_caller(app, client, login_as, member, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3/minute")
    login_as(member)
    answers = [client.get("/api/v1/me") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].get_json()["error"] == "too_many_requests"


# --- the kiosk: no second password oracle ------------------------------------------------


def kiosk(client, machine, email, password, address="192.0.2.1"):
    return client.post(
        f"/kiosk/machines/{machine.id}/check-in",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        follow_redirects=True,
    ).get_data(as_text=True)


def test_the_kiosk_never_tells_a_right_password_from_a_wrong_one(client, printer, member):
    # No booking now: a right password must read like a wrong one.
    right = kiosk(client, printer, member.email, TEST_PASSWORD)
    wrong = kiosk(client, printer, member.email, "wrong password!")
    unknown = kiosk(client, printer, "nobody@example.org", "wrong password!")

    message = "Wrong e-mail or password, or no booking of yours to start now."
    assert message in right and message in wrong and message in unknown


def test_kiosk_failures_count_towards_the_login_lockout(client, printer, member):
    for _ in range(10):
        kiosk(client, printer, member.email, "wrong password!")

    assert "Too many wrong passwords" in kiosk(client, printer, member.email, TEST_PASSWORD)
    assert login(client, member.email, TEST_PASSWORD).status_code == 429


def test_the_kiosk_still_checks_in_the_booker(client, db, printer, member, book):
    booking = book(printer, member, START, START + timedelta(hours=2))
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        page = kiosk(client, printer, member.email, TEST_PASSWORD)
    assert "Checked in" in page
    db.session.refresh(booking)
    assert booking.checked_in_at is not None


def test_the_kiosk_takes_as_long_for_an_unknown_account(app, client, db, printer, member):
    member.set_password(TEST_PASSWORD)  # the real (slow) hash, as in production
    db.session.commit()

    def duration(email: str) -> float:
        began = time.perf_counter()
        kiosk(client, printer, email, "wrong password!", address=email)
        return time.perf_counter() - began

    duration("warm-up@example.org")
    known = min(duration(member.email) for _ in range(3))
    unknown = min(duration("nobody@example.org") for _ in range(3))

    assert unknown > known / 2, (known, unknown)


def test_a_lab_behind_one_address_can_raise_the_address_limit(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_ATTEMPT_ADDRESS_LIMITS", "100/minute")
    users = [make_user() for _ in range(11)]
    for user in users:
        assert login(client, user.email, "wrong password!").status_code == 200

    assert login(client, users[-1].email, TEST_PASSWORD).status_code == 302
