# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""The mail outbox: written with the change, sent by the jobs process over real SMTP.

The mail server is aiosmtpd on loopback (tests/smtp_server.py): stopped, it
refuses connections like a server that is down; told to, it answers 451
(try later) or 550 (never) to a recipient.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask import template_rendered

from fablab.bookings.services import create_reservation
from fablab.outbox.jobs import send_due
from fablab.outbox.models import OutboxMessage
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback
from tests.bookings_fixtures import NOW, book, open_lab, paris, printer  # noqa: F401
from tests.smtp_server import SmtpServer

START, END = paris(2027, 3, 3, 14, 0), paris(2027, 3, 3, 16, 0)


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server on loopback, and the app sending to it."""
    server = SmtpServer()
    server.start()
    mailman = app.extensions["mailman"]
    monkeypatch.setattr(mailman, "backend", "smtp")
    monkeypatch.setattr(mailman, "server", "127.0.0.1")
    monkeypatch.setattr(mailman, "port", server.port)
    monkeypatch.setattr(mailman, "timeout", 5)
    yield server
    server.stop()


def run_sender(app, at=None) -> dict:
    """One run of the scheduler's sender, in its own app context, at ``at``."""
    with app.app_context():
        try:
            if at is None:
                return send_due()
            with time_machine.travel(at, tick=False):
                return send_due()
        finally:
            from fablab.extensions import db

            db.session.remove()


def messages(db) -> list[OutboxMessage]:
    db.session.rollback()  # a fresh snapshot: the sender wrote from its own session
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_rolled_back_booking_leaves_no_message_and_a_committed_one_exactly_one(
    db, printer, member
):
    create_reservation(machine=printer, user=member, start=START, end=END, now=NOW)
    rollback()
    assert messages(db) == []

    create_reservation(machine=printer, user=member, start=START, end=END, now=NOW)
    commit()
    (message,) = messages(db)
    assert (message.recipient, message.kind, message.status) == (
        member.email,
        "bookings.confirmed",
        "pending",
    )


def test_a_booking_answers_201_with_the_mail_server_down_and_its_mail_arrives_later(
    app, db, client, member, printer, smtp
):
    from fablab.accounts.tokens import create_api_token

    _token, secret = create_api_token(user=member)
    db.session.commit()
    smtp.stop()
    rendered = []

    def count(_sender, template, context, **_kw):
        rendered.append(template.name)

    with template_rendered.connected_to(count, app), time_machine.travel(NOW, tick=True):
        response = client.post(
            "/api/v1/reservations",
            headers={"Authorization": f"Bearer {secret}"},
            json={"machine_id": printer.id, "start": START.isoformat(), "end": END.isoformat()},
        )
    assert response.status_code == 201
    assert rendered == []  # the request wrote the message unrendered

    first_try = NOW + timedelta(minutes=1)
    assert run_sender(app, first_try) == {"pending": 1}
    (message,) = messages(db)
    assert message.attempts == 1 and "cannot reach the mail server" in message.last_error
    assert message.next_attempt_at == first_try + timedelta(seconds=30)

    smtp.start()
    assert run_sender(app, first_try + timedelta(seconds=10)) == {}  # not due yet
    assert run_sender(app, first_try + timedelta(seconds=31)) == {"sent": 1}
    assert smtp.mailbox.subjects() == ["Booking confirmed: Prusa MK4"]
    (message,) = messages(db)
    assert message.status == "sent" and message.subject == "Booking confirmed: Prusa MK4"
    assert run_sender(app, first_try + timedelta(minutes=5)) == {}  # sent once


def test_a_4xx_answer_is_retried_with_exponential_back_off(app, db, member, smtp):
    from fablab.mail import queue_mail

    queue_mail(member.email, "Hello", "body")
    commit()
    smtp.mailbox.refuse["*"] = "451 4.3.0 Mailbox busy, try later"
    t0 = utcnow()
    delays = []
    at = t0
    for _ in range(3):
        assert run_sender(app, at) == {"pending": 1}
        (message,) = messages(db)
        delays.append(message.next_attempt_at - at)
        assert "451" in message.last_error
        at = message.next_attempt_at
    assert delays == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]

    del smtp.mailbox.refuse["*"]
    assert run_sender(app, at) == {"sent": 1}
    assert smtp.mailbox.subjects() == ["Hello"]
    assert messages(db)[0].attempts == 4


def test_a_5xx_answer_is_failed_with_its_reason_shown_to_the_manager_who_resends(
    app, db, login_as, manager, member, smtp
):
    from fablab.mail import queue_mail

    queue_mail("nobody@example.org", "Your invoice", "body")
    queue_mail(member.email, "Welcome", "body")
    commit()
    smtp.mailbox.refuse["nobody@example.org"] = "550 5.1.1 No such user here"
    assert run_sender(app) == {"failed": 1, "sent": 1}
    assert run_sender(app, utcnow() + timedelta(hours=2)) == {}  # never retried

    client = login_as(manager)
    page = client.get("/manage/mail?status=failed").get_data(as_text=True)
    assert "nobody@example.org" in page and "550 5.1.1 No such user here" in page
    assert member.email not in page
    found = client.get("/manage/mail?q=NOBODY@").get_data(as_text=True)
    assert "nobody@example.org" in found and member.email not in found

    failed = next(m for m in messages(db) if m.status == "failed")
    del smtp.mailbox.refuse["nobody@example.org"]
    response = client.post(f"/manage/mail/{failed.id}/resend")
    assert response.status_code == 302
    assert run_sender(app) == {"sent": 1}
    assert sorted(smtp.mailbox.subjects()) == ["Welcome", "Your invoice"]


def test_members_see_their_own_mails_and_not_the_managers_page(
    app, db, login_as, member, make_user, smtp
):
    from fablab.mail import queue_mail

    queue_mail(member.email, "Booking confirmed: Prusa MK4", "body")
    queue_mail("someone.else@example.org", "Secret", "body")
    commit()
    run_sender(app)
    client = login_as(member)
    assert "/mail/mine" in client.get("/profile").get_data(as_text=True)
    mine = client.get("/mail/mine").get_data(as_text=True)
    assert "Booking confirmed: Prusa MK4" in mine and "Secret" not in mine
    assert client.get("/manage/mail").status_code == 403


def test_two_senders_at_once_send_each_message_once(app, db, member, smtp):
    from fablab.mail import queue_mail

    for n in range(30):
        queue_mail(member.email, f"Message {n}", "body")
    commit()
    smtp.mailbox.delay_seconds = 0.01  # a slow server widens the window for a race
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def sender():
        try:
            start.wait()
            outcomes.append(run_sender(app))
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(smtp.mailbox.subjects()) == sorted(f"Message {n}" for n in range(30))
    assert sum(outcome.get("sent", 0) for outcome in outcomes) == 30
    assert {m.status for m in messages(db)} == {"sent"}


@pytest.fixture
def two_in_line(db, printer, make_user, book):
    """Alice then Bob wait for a slot that has just been freed (no offer made yet)."""
    from fablab.bookings.services import cancel_reservation
    from fablab.bookings.waitlist import join_waitlist

    taken = book(printer, make_user(email="first@example.org"), START, END)
    alice, bob = make_user(email="alice@example.org"), make_user(email="bob@example.org")
    first = join_waitlist(machine=printer, user=alice, start=START, end=END, now=NOW)
    second = join_waitlist(machine=printer, user=bob, start=START, end=END, now=NOW)
    cancel_reservation(reservation=taken, by=taken.user, now=NOW)
    commit()
    return first.id, second.id


def statuses(db, *entry_ids) -> tuple[str, ...]:
    from fablab.bookings.waitlist_models import WaitlistEntry

    db.session.rollback()
    return tuple(db.session.get(WaitlistEntry, entry_id).status for entry_id in entry_ids)


def offers_to(smtp) -> list[str]:
    return [str(m["to"]) for m in smtp.mailbox.received if "slot is free" in str(m["subject"])]


def test_an_offer_not_delivered_before_its_deadline_passes_to_the_next_in_line(
    app, db, smtp, two_in_line
):
    from fablab.bookings.jobs import offer_waitlist_job

    smtp.stop()  # the mail server is down for a long while
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert offer_waitlist_job() == 1
    passed_on_at = None
    for minute in range(2, 31):
        run_sender(app, NOW + timedelta(minutes=minute))
        if statuses(db, *two_in_line) == ("lapsed", "offered"):
            passed_on_at = minute
            break
    # The back-off would next try after the 30-minute offer ran out: Bob gets it now.
    assert passed_on_at is not None and passed_on_at < 30
    (to_alice,) = [m for m in messages(db) if m.recipient == "alice@example.org"]
    assert to_alice.status == "failed" and to_alice.sent_at is None and to_alice.last_error

    smtp.start()
    run_sender(app, NOW + timedelta(minutes=passed_on_at + 2))
    assert offers_to(smtp) == ["bob@example.org"]


def test_an_offer_refused_for_good_passes_on_at_once(app, db, smtp, two_in_line):
    from fablab.bookings.jobs import offer_waitlist_job

    smtp.mailbox.refuse["alice@example.org"] = "550 5.1.1 Mailbox does not exist"
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert offer_waitlist_job() == 1
    run_sender(app, NOW + timedelta(minutes=1, seconds=5))
    assert statuses(db, *two_in_line) == ("lapsed", "offered")
    assert offers_to(smtp) == ["bob@example.org"]


def test_the_api_lists_failures_for_managers_and_resends(app, db, client, manager, member, smtp):
    from fablab.accounts.tokens import create_api_token
    from fablab.mail import queue_mail

    queue_mail("nobody@example.org", "Your invoice", "body")
    queue_mail(member.email, "Welcome", "body")
    commit()
    smtp.mailbox.refuse["nobody@example.org"] = "550 5.1.1 No such user here"
    run_sender(app)
    _t, manager_secret = create_api_token(user=manager)
    _t, member_secret = create_api_token(user=member)
    db.session.commit()
    as_manager = {"Authorization": f"Bearer {manager_secret}"}
    as_member = {"Authorization": f"Bearer {member_secret}"}

    failed = client.get("/api/v1/outbox?status=failed", headers=as_manager).get_json()
    (message,) = failed["messages"]
    assert message["recipient"] == "nobody@example.org" and "550" in message["last_error"]
    assert client.get("/api/v1/outbox?status=lost", headers=as_manager).status_code == 422
    assert client.get("/api/v1/outbox", headers=as_member).status_code == 403
    mine = client.get("/api/v1/me/mails", headers=as_member).get_json()
    assert [m["subject"] for m in mine] == ["Welcome"]

    del smtp.mailbox.refuse["nobody@example.org"]
    again = client.post(f"/api/v1/outbox/{message['id']}/resend", headers=as_manager)
    assert again.status_code == 201 and again.get_json()["status"] == "pending"
    assert client.post("/api/v1/outbox/999999/resend", headers=as_manager).status_code == 404
    run_sender(app)
    assert sorted(smtp.mailbox.subjects()) == ["Welcome", "Your invoice"]


def test_sent_mail_is_forgotten_after_the_keeping_period_and_failures_stay(app, db, smtp):
    from fablab.mail import queue_mail
    from fablab.outbox.jobs import send_outbox_job

    queue_mail("old@example.org", "Old news", "body")
    queue_mail("gone@example.org", "Undeliverable", "body")
    commit()
    smtp.mailbox.refuse["gone@example.org"] = "550 5.1.1 No such user"
    run_sender(app)
    keep = timedelta(days=app.config["OUTBOX_KEEP_DAYS"])

    def job_at(at):
        with app.app_context(), time_machine.travel(at, tick=False):
            try:
                return send_outbox_job()
            finally:
                db.session.remove()

    assert job_at(utcnow() + keep - timedelta(days=1)) == {}
    assert job_at(utcnow() + keep + timedelta(days=1)) == {"purged": 1}
    assert [m.recipient for m in messages(db)] == ["gone@example.org"]
