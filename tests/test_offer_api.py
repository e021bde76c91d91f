# ruff: noqa: F811  (pytest fixtures imported from tests.payments_fixtures)
"""Buying from the offer through /api/v1: without Stripe the invoice to pay, with Stripe the
Checkout URL, then the webhook activates the purchase (real SDK, fake Stripe server)."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.tokens import create_api_token
from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.payments import pack_products, plans, quotes
from fablab.payments.models import CheckoutRecord
from fablab.payments.offer_models import Membership, Pack
from tests.payments_fixtures import fake_stripe  # noqa: F401


def bearer(db, user) -> dict:
    _token, secret = create_api_token(user=user, name="test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def offer(db):
    plan = plans.save_plan(
        name_fr="Adhésion annuelle",
        name_en="Yearly membership",
        price_cents=3000,
        validity_months=12,
        category="member",
        for_company=False,
    )
    product = pack_products.save_product(
        name_fr="10 h laser",
        name_en="10 h laser",
        minutes=600,
        price_cents=25000,
        validity_months=12,
        machine_kinds=["laser_cutter"],
    )
    db.session.commit()
    return plan, product


def test_the_offer_is_listed_and_documented(client, db):
    plan, product = offer(db)
    body = client.get("/api/v1/offer", headers={"Accept-Language": "en"}).json
    assert body["plans"][0]["name"] == "Yearly membership"
    assert body["packs"][0]["minutes"] == 600
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/offer", "/api/v1/memberships", "/api/v1/packs"):
        assert path in paths
    assert "/api/v1/quotes/{quote_id}/answer" in paths


def test_without_stripe_a_purchase_answers_the_invoice_to_pay(client, db, make_user):
    plan, _product = offer(db)
    person = make_user(category="public")
    answer = client.post("/api/v1/memberships", json={"id": plan.id}, headers=bearer(db, person))
    assert answer.status_code == 201
    assert answer.json["checkout_url"] is None
    assert answer.json["invoice"]["total_excl_vat_cents"] == 3000
    assert answer.json["invoice"]["status"] == "unpaid"
    assert answer.json["status"] == "active"
    assert client.get("/api/v1/me", headers=bearer(db, person)).json["category"] == "member"


def test_bad_purchases_change_nothing(client, db, make_user):
    _plan, product = offer(db)
    person = make_user(category="public")
    headers = bearer(db, person)
    assert client.post("/api/v1/packs", json={"id": 999}, headers=headers).status_code == 404
    refused = client.post(
        "/api/v1/packs", json={"id": product.id, "for_company": True}, headers=headers
    )
    assert refused.status_code == 422 and refused.json["error"] == "invalid"
    assert client.post("/api/v1/packs", json={"id": "x"}, headers=headers).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pack)) == 0


def test_with_stripe_a_company_pack_is_paid_by_card_then_active(
    client, db, make_company, make_user, fake_stripe
):
    _plan, product = offer(db)
    company = make_company()
    contact = make_user(company=company, is_company_contact=True)
    answer = client.post(
        "/api/v1/packs", json={"id": product.id, "for_company": True}, headers=bearer(db, contact)
    )
    assert answer.status_code == 201
    assert answer.json["checkout_url"].startswith(fake_stripe.url)
    assert answer.json["status"] == "pending" and answer.json["invoice"] is None
    record = db.session.scalar(sa.select(CheckoutRecord))
    assert record.amount_cents == 30000  # 250 € + 20 % VAT
    fake_stripe.pay(record.stripe_session_id)
    for _ in range(3):  # a webhook delivered three times applies once
        delivered = fake_stripe.deliver(
            client, fake_stripe.completed_event(record.stripe_session_id)
        )
        assert delivered.status_code == 200
    db.session.expire_all()
    pack = db.session.get(Pack, answer.json["id"])
    assert (pack.status, pack.company_id, pack.minutes_remaining) == ("active", company.id, 600)
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.company_id == company.id and balance_of(invoice).status == "paid"
    mine = client.get("/api/v1/packs", headers=bearer(db, contact)).json
    assert [p["minutes_remaining"] for p in mine] == [600]


def test_an_unpaid_membership_checkout_that_expires_is_cancelled(
    client, db, make_user, fake_stripe
):
    plan, _product = offer(db)
    person = make_user(category="public")
    answer = client.post("/api/v1/memberships", json={"id": plan.id}, headers=bearer(db, person))
    record = db.session.scalar(sa.select(CheckoutRecord))
    fake_stripe.expire(record.stripe_session_id)
    fake_stripe.deliver(client, fake_stripe.expired_event(record.stripe_session_id))
    db.session.expire_all()
    assert db.session.get(Membership, answer.json["id"]).status == "cancelled"
    assert client.get("/api/v1/me", headers=bearer(db, person)).json["category"] == "public"


def test_a_company_contact_accepts_a_quote_through_the_api(client, db, make_company, make_user):
    from datetime import date

    company = make_company()
    contact = make_user(company=company, is_company_contact=True)
    outsider = make_user()
    quote = quotes.request_quote(
        service=None,
        company_name="ignored",
        contact_name="C",
        contact_email=contact.email,
        text="A job",
        requester=contact,
    )
    quotes.save_draft(
        quote=quote,
        lines=[quotes.LineInput("Job", 1000, 10000)],
        vat_rate_bp=2000,
        valid_until=date(2099, 1, 1),
    )
    quotes.send_quote(quote=quote)
    db.session.commit()
    url = f"/api/v1/quotes/{quote.id}/answer"
    assert client.post(url, json={"name": "X"}, headers=bearer(db, outsider)).status_code == 403
    answer = client.post(url, json={"name": "Claire"}, headers=bearer(db, contact))
    assert answer.status_code == 200
    assert answer.json["status"] == "accepted" and answer.json["answered_by"] == "Claire"
    again = client.post(url, json={"name": "Claire"}, headers=bearer(db, contact))
    assert again.status_code == 409


def test_a_company_contact_pays_the_quote_invoice_by_card(
    client, db, login_as, make_company, make_user, fake_stripe
):
    from datetime import date

    company = make_company()
    contact = make_user(company=company, is_company_contact=True)
    quote = quotes.request_quote(
        service=None,
        company_name="x",
        contact_name="C",
        contact_email=contact.email,
        text="A job",
        requester=contact,
    )
    quotes.save_draft(
        quote=quote,
        lines=[quotes.LineInput("Job", 2000, 10000)],
        vat_rate_bp=2000,
        valid_until=date(2099, 1, 1),
    )
    quotes.send_quote(quote=quote)
    quotes.answer_quote(quote=quote, accept=True, name="C", ip="127.0.0.1")
    invoice = quotes.invoice_quote(quote=quote)
    db.session.commit()
    assert quotes.stage_of(quote) == "invoiced"

    login_as(contact)
    page = client.get("/offer", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "by card" in page
    answer = client.post(f"/offer/quotes/{quote.id}/pay")
    assert answer.status_code == 302 and answer.location.startswith(fake_stripe.url)
    record = db.session.scalar(sa.select(CheckoutRecord).where(CheckoutRecord.purpose == "quote"))
    assert record.amount_cents == 24000  # 200 € + 20 % VAT
    fake_stripe.pay(record.stripe_session_id)
    assert (
        fake_stripe.deliver(client, fake_stripe.completed_event(record.stripe_session_id))
    ).status_code == 200
    db.session.expire_all()
    assert balance_of(db.session.get(Invoice, invoice.id)).status == "paid"
    assert quotes.stage_of(db.session.get(quotes.Quote, quote.id)) == "paid"
