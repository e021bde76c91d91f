# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Idempotency-Key: a POST retried with the same key by the same caller gets the first
answer back and creates nothing more, even when both copies arrive at once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from tests.bookings_fixtures import frozen, open_lab, printer  # noqa: F401

BODY = {"start": "2027-03-02T10:00:00+01:00", "end": "2027-03-02T11:00:00+01:00"}


@pytest.fixture
def bearer(app, db):
    from fablab.accounts.tokens import create_api_token

    def _bearer(user):
        _, secret = create_api_token(user=user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _bearer


def book(client, headers, machine, key, **body):
    return client.post(
        "/api/v1/reservations",
        json={"machine_id": machine.id, **BODY, **body},
        headers={**headers, "Idempotency-Key": key},
    )


def bookings(db) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Reservation))


def test_a_retry_gets_the_first_answer_and_books_once(client, db, bearer, member, printer, frozen):
    headers = bearer(member)
    first = book(client, headers, printer, "retry-1")
    again = book(client, headers, printer, "retry-1")

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert bookings(db) == 1


def test_the_key_belongs_to_its_caller(client, db, bearer, member, make_user, printer, frozen):
    book(client, bearer(member), printer, "shared-key")
    other = book(client, bearer(make_user()), printer, "shared-key")

    assert other.status_code == 409  # its own answer: the slot is taken, not a replay
    assert "Idempotent-Replayed" not in other.headers


def test_the_session_cookie_and_a_token_are_one_caller(
    client, db, bearer, login_as, member, printer, frozen
):
    book(client, bearer(member), printer, "same-person")
    browser = login_as(member)
    page = browser.get("/profile").get_data(as_text=True)
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    again = browser.post(
        "/api/v1/reservations",
        json={"machine_id": printer.id, **BODY},
        headers={"Idempotency-Key": "same-person", "X-CSRFToken": csrf},
    )
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_a_key_reused_for_another_request_is_refused(client, db, bearer, member, printer, frozen):
    headers = bearer(member)
    book(client, headers, printer, "reused")
    other = book(client, headers, printer, "reused", end="2027-03-02T12:00:00+01:00")

    assert other.status_code == 422
    assert bookings(db) == 1


def test_a_refused_request_leaves_no_key_behind(client, db, bearer, member, printer, frozen):
    headers = bearer(member)
    refused = book(client, headers, printer, "fix-and-retry", machine_id=10**6)
    assert refused.status_code == 404

    assert book(client, headers, printer, "fix-and-retry", machine_id=10**6).status_code == 404
    assert bookings(db) == 0


def test_a_bad_key_is_a_clear_422(client, bearer, member, printer, frozen):
    answer = book(client, bearer(member), printer, "x" * 300)
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid"


def test_two_copies_at_once_book_once(app, db, bearer, member, printer, frozen):
    headers = {**bearer(member), "Idempotency-Key": "raced"}
    body = {"machine_id": printer.id, **BODY}
    db.session.commit()
    db.session.close()
    barrier = threading.Barrier(4)
    answers = []

    def send():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            answers.append(client.post("/api/v1/reservations", json=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(a.status_code for a in answers)
    assert bookings(db) == 1
    assert len(statuses) == 4 and statuses[0] == 201
    assert set(statuses) <= {201, 409}
    created = {a.get_json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1  # every 201 is the same booking


def test_the_openapi_document_lists_the_header_on_post_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    posts = [ops["post"] for ops in spec["paths"].values() if "post" in ops]
    assert posts
    for operation in posts:
        refs = [p.get("$ref") for p in operation.get("parameters", [])]
        assert "#/components/parameters/IdempotencyKey" in refs
