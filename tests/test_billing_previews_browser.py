"""In a real browser: the demo manager previews "Invoice now", cancels (nothing issued), then
confirms; dates, amounts and material units read the en-GB way in English."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.billing.models import Invoice
from fablab.seed import seed_demo
from fablab.transaction import commit
from tests.test_reports_browser import log_in_as_manager

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_lab(app, db):
    with app.test_request_context():
        seed_demo()
        commit()


def invoices(db) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Invoice.id)))


def test_invoice_now_previews_then_issues_on_confirmation(page, live_server, demo_lab, db):
    before = invoices(db)
    log_in_as_manager(page, live_server)
    page.goto(f"{live_server}/billing/")
    with page.expect_navigation():
        page.locator("#locale-switch").select_option("en")
    customer = page.locator("article.to-invoice").first
    name = customer.locator("header strong").inner_text()
    total = customer.locator("header span").nth(1).inner_text()  # "€19.06 excl. VAT"
    rows = customer.locator("tbody").inner_text()
    assert "AM" not in rows and "PM" not in rows
    customer.get_by_role("button", name="Invoice now").click()

    assert page.get_by_role("heading", name="Preview of the invoice").is_visible()
    preview = page.locator("article.invoice-preview")
    assert page.locator("#preview-customer").inner_text() == name
    assert preview.locator(".total-excl").inner_text() in total
    number = preview.inner_text().split("Number on issue: ")[1].split("\n")[0]
    page.get_by_role("button", name="Cancel").click()
    assert invoices(db) == before  # cancelled: nothing issued

    page.locator("article.to-invoice").first.get_by_role("button", name="Invoice now").click()
    page.locator("#confirm-issue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"Invoice {number}").is_visible()
    assert invoices(db) == before + 1
