# ruff: noqa: F811  (pytest fixtures imported from tests.*_fixtures)
"""Purchases through /api/v1: the Checkout URL with Stripe, the invoice to pay without."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.accounts.tokens import create_api_token
from fablab.bookings.models import Reservation
from fablab.payments.models import CheckoutRecord
from tests.bookings_fixtures import NOW, frozen, open_lab, paris, printer  # noqa: F401
from tests.payments_fixtures import fake_stripe, prepay_public, walk_in  # noqa: F401
from tests.test_payments_seats import training  # noqa: F401
from tests.test_payments_web import unpaid_invoice

SLOT = {"start": "2027-03-02T10:00:00+01:00", "end": "2027-03-02T11:00:00+01:00"}


@pytest.fixture
def bearer(db):
    def _headers(user):
        _, secret = create_api_token(user=user, name="test")
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _headers


def test_pay_a_slot_answers_the_checkout_url_and_holds_it(
    client, bearer, walk_in, printer, prepay_public, fake_stripe, frozen, db
):
    headers = bearer(walk_in)
    plain = client.post(
        "/api/v1/reservations", json={"machine_id": printer.id, **SLOT}, headers=headers
    )
    assert plain.status_code == 402 and plain.json["error"] == "payment_required"

    answer = client.post(
        "/api/v1/payments/slots", json={"machine_id": printer.id, **SLOT}, headers=headers
    )

    assert answer.status_code == 201, answer.json
    assert answer.json["checkout_url"].startswith(fake_stripe.url)
    assert answer.json["reservation"]["status"] == "held"
    assert answer.json["checkout"]["amount_cents"] == 600
    checkout_id = answer.json["checkout"]["id"]
    session_id = answer.json["checkout_url"].rsplit("/", 1)[1]
    fake_stripe.pay(session_id)
    fake_stripe.deliver(client, fake_stripe.completed_event(session_id))
    status = client.get(f"/api/v1/payments/{checkout_id}", headers=headers).json
    assert status["status"] == "paid" and status["invoice_id"]


def test_without_stripe_a_slot_is_booked_and_invoiced_at_once(
    client, bearer, walk_in, printer, prepay_public, frozen, db
):
    answer = client.post(
        "/api/v1/payments/slots", json={"machine_id": printer.id, **SLOT}, headers=bearer(walk_in)
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["checkout_url"] is None
    assert answer.json["reservation"]["status"] == "confirmed"
    assert answer.json["invoice"]["total_incl_vat_cents"] == 600
    assert answer.json["invoice"]["status"] == "unpaid"
    [reservation] = db.session.scalars(sa.select(Reservation)).all()
    # the booking's machine time is already billed: the end-of-booking billing finds the charge
    from fablab.billing.charges import find_charge

    assert find_charge("machine_time", f"reservation:{reservation.id}").is_invoiced


def test_pay_an_invoice_through_the_api(client, bearer, member, fake_stripe, db, lab_settings):
    invoice = unpaid_invoice(db, user=member)
    answer = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers=bearer(member))
    assert answer.status_code == 201
    assert answer.json["invoice"]["due_cents"] == 6000
    assert answer.json["checkout_url"].startswith(fake_stripe.url)


def test_pay_an_invoice_without_stripe_answers_the_invoice(
    client, bearer, member, db, lab_settings
):
    invoice = unpaid_invoice(db, user=member)
    answer = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers=bearer(member))
    assert answer.status_code == 200
    assert (
        answer.json["checkout_url"] is None and answer.json["invoice"]["number"] == invoice.number
    )


def test_pay_a_registration_through_the_api(client, bearer, walk_in, training, fake_stripe):
    answer = client.post(
        "/api/v1/payments/registrations", json={"event_id": training.id}, headers=bearer(walk_in)
    )
    assert answer.status_code == 201, answer.json
    assert answer.json["registration_status"] == "confirmed"
    assert answer.json["checkout"]["amount_cents"] == 4800


def test_the_openapi_document_lists_the_payment_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/invoices/{invoice_id}/pay",
        "/api/v1/payments/slots",
        "/api/v1/payments/registrations",
        "/api/v1/payments/{checkout_id}",
        "/api/v1/payments/{checkout_id}/refund",
    ):
        assert path in paths


def test_a_manager_refunds_a_card_payment_through_the_api(
    client, bearer, db, member, manager, fake_stripe, lab_settings
):
    invoice = unpaid_invoice(db, user=member)
    paid = client.post(f"/api/v1/invoices/{invoice.id}/pay", headers=bearer(member)).json
    session_id = paid["checkout_url"].rsplit("/", 1)[1]
    fake_stripe.pay(session_id)
    fake_stripe.deliver(client, fake_stripe.completed_event(session_id))
    checkout_id = paid["checkout"]["id"]
    url = f"/api/v1/payments/{checkout_id}/refund"

    refused = client.post(url, json={"reason": "x"}, headers=bearer(member))
    assert refused.status_code == 403
    too_much = client.post(url, json={"amount_cents": 7000, "reason": "x"}, headers=bearer(manager))
    assert too_much.status_code == 422 and too_much.json["field"] == "amount"
    headers = {**bearer(manager), "Idempotency-Key": "refund-1"}
    body = {"amount_cents": 1200, "reason": "Machine broke down"}
    answer = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body, headers=headers)  # a retry refunds nothing more

    assert answer.status_code == again.status_code == 200
    assert answer.json["amount_cents"] == 1200 and answer.json["credit_note_id"]
    assert again.json == answer.json
    assert answer.json["checkout"]["refunded_cents"] == 1200
    record = db.session.get(CheckoutRecord, checkout_id)
    assert fake_stripe.charges[record.payment_intent_id]["amount_refunded"] == 1200
