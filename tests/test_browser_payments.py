# ruff: noqa: F811  (pytest fixtures imported from tests.payments_fixtures)
"""In a real browser: the demo member pays an unpaid invoice by card through the (fake) Stripe
Checkout page, whose "Pay" button sends the signed webhook to the app, as Stripe would."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.seed import seed_demo
from fablab.transaction import commit
from tests.payments_fixtures import fake_stripe  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app, db):
    with app.test_request_context():
        seed_demo()
        commit()
    db.session.commit()  # release SQLite's write lock for the server's threads


def test_member_pays_an_unpaid_invoice_by_card(page, live_server, fake_stripe, demo, db):
    fake_stripe.webhook_url = f"{live_server}/stripe/webhook"
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill("member@example.org")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()

    page.goto(f"{live_server}/invoices/mine")
    unpaid_before = page.locator("button.pay-by-card").count()
    page.locator("button.pay-by-card").first.click()
    page.wait_for_url(f"{fake_stripe.url}/pay/*")
    assert "Pay €18.00" in page.content() or "Pay 18.00 EUR" in page.content()
    page.locator("button[value=pay]").click()
    page.wait_for_url(f"{live_server}/payments/return*")

    result = page.locator("[data-testid=payment-result]").inner_text()
    assert "18,00" in result or "18.00" in result
    member = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    invoice = db.session.scalar(
        sa.select(Invoice).where(Invoice.user_id == member.id).order_by(Invoice.chain_seq.desc())
    )
    assert balance_of(invoice).status == "paid"
    page.goto(f"{live_server}/invoices/mine")
    # The paid invoice has no card button any more (the demo's history may hold other unpaid ones).
    assert page.locator("button.pay-by-card").count() == unpaid_before - 1
    db.session.commit()
