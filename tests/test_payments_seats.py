# ruff: noqa: F811  (pytest fixtures imported from tests.*_fixtures)
"""Paid event seats: the price shown before registering, paid by card (seat held until paid or
released), or at the desk when the manager allows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.events.models import Event, Registration
from fablab.events.services import create_event, publish_event
from fablab.payments.models import CheckoutRecord
from fablab.timeutil import utcnow
from tests.payments_fixtures import fake_stripe, walk_in  # noqa: F401


@pytest.fixture
def training(db, manager, lab_settings):
    """A published training a week from now: 40 € for the public, 20 € for members (excl. VAT)."""
    with_app_request = __import__("flask").current_app.test_request_context()
    with with_app_request:
        start = (utcnow() + timedelta(days=7)).replace(microsecond=0)
        event = create_event(
            values=dict(
                kind="training",
                title_fr="Formation laser",
                title_en="Laser training",
                start_at=start,
                end_at=start + timedelta(hours=2),
                place="Atelier",
                capacity=1,
                audience="public",
                price_public_cents=4000,
                price_member_cents=2000,
            ),
            by=manager,
            machines=[],
        )
        publish_event(event=event)
        db.session.commit()
    return event


def register_by_form(client, event, **extra):
    return client.post(f"/events/{event.id}/register", data={"first_visit": "", **extra})


def test_the_price_for_my_category_is_shown_before_registering(
    login_as, walk_in, member, training, fake_stripe
):
    page = login_as(walk_in).get(f"/events/{training.id}").get_data(as_text=True)
    assert "Your price: €48.00 incl. VAT" in page and "pay by card" in page
    page = login_as(member).get(f"/events/{training.id}").get_data(as_text=True)
    assert "Your price: €24.00 incl. VAT" in page


def confirmations(outbox) -> list[str]:
    return [mail.subject for mail in outbox if mail.subject.startswith("Registration confirmed")]


def test_a_paid_seat_is_held_then_paid_by_card(
    db, login_as, walk_in, training, fake_stripe, outbox
):
    client = login_as(walk_in)
    answer = register_by_form(client, training)
    assert answer.status_code == 303
    session_id = answer.headers["Location"].rsplit("/", 1)[1]
    assert fake_stripe.sessions[session_id]["amount_total"] == 4800
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.status == "confirmed"  # the seat is held for them
    assert confirmations(outbox) == []  # not paid yet: no "confirmed" mail

    fake_stripe.pay(session_id)
    fake_stripe.deliver(client, fake_stripe.completed_event(session_id))
    assert confirmations(outbox) == ["Registration confirmed: Laser training"]

    db.session.expire_all()
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.total_incl_cents == 4800 and balance_of(invoice).status == "paid"
    assert invoice.user_id == walk_in.id


def test_an_unpaid_seat_is_released_and_a_late_payment_refunded(
    db, login_as, walk_in, training, fake_stripe, make_user
):
    from fablab.payments.jobs import close_expired_holds_job

    client = login_as(walk_in)
    session_id = register_by_form(client, training).headers["Location"].rsplit("/", 1)[1]
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=True):
        assert close_expired_holds_job() == 1
    db.session.expire_all()
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.status == "cancelled"
    assert fake_stripe.sessions[session_id]["status"] == "expired"  # nobody can pay it now
    record = db.session.scalar(sa.select(CheckoutRecord))
    assert record.status == "expired"
    # the freed seat goes to someone else
    other = make_user(email="next@example.org", category="public")
    assert register_by_form(login_as(other), training).status_code == 303


def test_pay_at_the_desk_when_the_manager_allows_it(
    db, login_as, manager, walk_in, training, fake_stripe, outbox
):
    admin = login_as(manager)
    assert "Laser training" in admin.get("/manage/payments/events").get_data(as_text=True)
    admin.post(f"/manage/payments/events/{training.id}/desk", data={"allowed": "y"})
    client = login_as(walk_in)
    assert "pay at the desk instead" in client.get(f"/events/{training.id}").get_data(as_text=True)

    answer = register_by_form(client, training, pay_at_desk="y")

    assert answer.status_code == 302 and "/registered" in answer.headers["Location"]
    assert fake_stripe.sessions == {}
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.status == "confirmed"
    assert len(confirmations(outbox)) == 1


def test_without_stripe_a_paid_seat_is_billed_as_before(db, login_as, walk_in, training):
    answer = register_by_form(login_as(walk_in), training)
    assert answer.status_code == 302
    assert db.session.scalars(sa.select(CheckoutRecord)).all() == []
    assert db.session.get(Event, training.id).registrations[0].status == "confirmed"
