# ruff: noqa: F811  (pytest fixtures imported from tests.payments_fixtures)
"""In a real browser, on the demo lab:

* the demo company contact buys a laser pack for the company through the (fake)
  Stripe Checkout page, then books the laser on the company's account with it;
* a company requests a quote on the public form, the manager prices and sends it,
  the company's contact accepts it from the e-mailed link.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.bookings.models import Reservation
from fablab.machines.models import Machine, Qualification
from fablab.machines.services import grant_qualification
from fablab.payments import packs
from fablab.payments.offer_models import Quote
from fablab.seed import seed_demo
from fablab.transaction import commit
from tests.payments_fixtures import fake_stripe  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def demo(app, db):
    with app.test_request_context():
        seed_demo()
        commit()
    db.session.commit()


def log_in(page, live_server, email):
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill("demo-password")
    page.locator("form button[type=submit]", has_text="Log in").click()
    page.wait_for_load_state()
    # The demo accounts read French: switch to English as a visitor would.
    with page.expect_navigation():
        page.locator("#locale-switch").select_option("en")


def next_wednesday() -> date:
    day = date.today() + timedelta(days=7)
    day += timedelta(days=(2 - day.weekday()) % 7)
    while (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 2):
        day += timedelta(days=7)
    return day


def test_company_contact_buys_a_pack_by_card_and_books_with_it(
    app, db, demo, page, live_server, fake_stripe
):
    fake_stripe.webhook_url = f"{live_server}/stripe/webhook"
    employee = db.session.scalar(sa.select(User).where(User.email == "employee@example.org"))
    company = db.session.scalar(sa.select(Company).where(Company.legal_name == "Demo Industries"))
    laser = db.session.scalar(sa.select(Machine).where(Machine.kind == "laser_cutter"))
    qualification = db.session.get(Qualification, laser.required_qualification_id)
    grant_qualification(user=employee, qualification=qualification)
    db.session.commit()
    before = packs.remaining_minutes(company=company)
    db.session.commit()

    log_in(page, live_server, "employee@example.org")
    page.goto(f"{live_server}/offer")
    page.get_by_role("button", name=re.compile("Buy 10 h laser for the company")).click()
    page.wait_for_url(re.compile(re.escape(fake_stripe.url)))
    page.get_by_role("button", name=re.compile("Pay")).click()
    page.wait_for_url(re.compile(r"/offer\?paid=1"))
    page.goto(f"{live_server}/my-company")
    assert f"Prepaid hours left: {(before + 600) // 60} h 00" in page.content()

    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{laser.id}/calendar?week={wednesday}")
    page.locator(f'td.slot.free[data-day="{wednesday}"]').first.click()
    page.locator("input[name=on_company_account]").check()
    with page.expect_navigation():
        page.locator("#confirm-booking").click()
    assert "Booked: Découpeuse laser Trotec." in page.content()

    db.session.rollback()  # a fresh snapshot: see what the server wrote
    reservation = db.session.scalar(
        sa.select(Reservation)
        .where(Reservation.machine_id == laser.id, Reservation.user_id == employee.id)
        .order_by(Reservation.id.desc())
        .limit(1)  # the demo's history holds older bookings of the employee
    )
    booked = int((reservation.end_at - reservation.start_at).total_seconds() // 60)
    assert reservation.company_id == company.id and reservation.prepaid_minutes == booked
    assert packs.remaining_minutes(company=company) == before + 600 - booked
    db.session.commit()


def test_a_quote_is_requested_sent_and_accepted_online(app, db, demo, page, live_server, outbox):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Companies: request a quote").click()
    page.locator("select[name=service_id]").select_option(label="Laser cutting job")
    page.locator("input[name=company_name]").fill("Atelier Lumière")
    page.locator("input[name=contact_name]").fill("Inès Lumière")
    page.locator("input[name=contact_email]").fill("ines@lumiere.example.com")
    page.locator("textarea[name=text]").fill("30 lampes en bois découpées au laser")
    page.get_by_role("button", name="Send my request").click()
    assert "Your request has reached the lab" in page.content()

    log_in(page, live_server, "manager@example.org")
    page.goto(f"{live_server}/manage/quotes")
    page.locator("li", has_text="Atelier Lumière").get_by_role("link").click()
    page.locator("input[name='lines-0-quantity']").fill("6")
    page.locator("input[name=valid_until]").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Send the quote").click()
    assert "Quote sent to the company." in page.content()
    link = re.search(r"https?://\S+(/quotes/answer/\S+)", outbox[-1].body).group(1)
    page.context.clear_cookies()

    page.goto(f"{live_server}{link}")
    assert "€480.00" in page.content()  # 6 h × 80 € excl. VAT
    page.locator("input[name=name]").fill("Inès Lumière")
    page.get_by_role("button", name="I accept this quote").click()
    assert "Accepted by Inès Lumière" in page.content()
    db.session.rollback()  # a fresh snapshot: see what the server wrote
    quote = db.session.scalar(sa.select(Quote).where(Quote.company_name == "Atelier Lumière"))
    assert quote.status == "accepted" and quote.answered_ip == "127.0.0.1"
    assert re.fullmatch(r"D-\d{4}-0001", quote.number)
    db.session.commit()
