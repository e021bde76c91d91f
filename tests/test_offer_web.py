"""The offer through the web pages, as people use it: sign up at the public rate, buy a
membership, managers define plans, packs and services, sell at the desk, and a quote
goes from a public request to a paid invoice."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
import time_machine

from fablab.accounts.models import User
from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.payments import pack_products, plans
from fablab.payments.offer_jobs import expire_memberships_job, membership_reminders_job
from fablab.payments.offer_models import Membership, Pack, PackProduct, Plan, Quote


def make_plan(db, **overrides) -> Plan:
    values = dict(
        name_fr="Adhésion annuelle",
        name_en="Yearly membership",
        price_cents=3000,
        validity_months=12,
        category="member",
        for_company=False,
    )
    values.update(overrides)
    plan = plans.save_plan(**values)
    db.session.commit()
    return plan


def test_a_sign_up_pays_the_public_rate_until_a_membership_is_bought(client, db, sign_up):
    plan = make_plan(db)
    response = sign_up(
        client, email="new@example.org", name="Nouvelle Personne", password="several words make it"
    )
    assert response.status_code == 302
    assert client.get("/api/v1/me").json["category"] == "public"

    response = client.post(f"/offer/plans/{plan.id}/buy")
    assert response.status_code == 302 and "/invoices/" in response.location
    assert client.get("/api/v1/me").json["category"] == "member"
    invoice = db.session.scalar(sa.select(Invoice))
    assert invoice.total_excl_cents == 3000 and balance_of(invoice).status == "unpaid"
    page = client.get("/offer").get_data(as_text=True)
    assert "Yearly membership" in page and "Member rate" in page


def test_membership_expiry_returns_to_public_and_reminds_once(app, db, make_user, outbox):
    person = make_user(category="public")
    plan = make_plan(db)
    with app.test_request_context():
        membership = plans.buy_on_invoice(plan=plan, by=person, user=person)
        db.session.commit()
    assert person.category == "member"
    ends = membership.ends_at
    with time_machine.travel(ends - timedelta(days=20), tick=False):
        assert membership_reminders_job() == 1
        assert membership_reminders_job() == 0
    assert len(outbox) == 1 and outbox[0].to == [person.email]
    with time_machine.travel(ends + timedelta(minutes=1), tick=False):
        assert expire_memberships_job() == 1
        assert expire_memberships_job() == 0
    db.session.expire_all()
    assert db.session.get(User, person.id).category == "public"
    assert db.session.get(Membership, membership.id).status == "expired"


def test_renewing_before_the_end_starts_after_it(app, db, make_user):
    person = make_user(category="public")
    plan = make_plan(db)
    with app.test_request_context():
        first = plans.buy_on_invoice(plan=plan, by=person, user=person)
        second = plans.buy_on_invoice(plan=plan, by=person, user=person)
        db.session.commit()
    assert second.starts_at == first.ends_at
    with time_machine.travel(first.ends_at + timedelta(minutes=1), tick=False):
        expire_memberships_job()
    db.session.expire_all()
    assert db.session.get(User, person.id).category == "member"  # the renewal covers them


def test_a_company_plan_sets_its_employees_rate(app, db, make_company, make_user):
    company = make_company()
    contact = make_user(company=company, is_company_contact=True, category="public")
    employees = [make_user(company=company, category="public") for _ in range(3)]
    plan = make_plan(db, category="company", for_company=True, max_employees=2, price_cents=30000)
    with app.test_request_context():
        plans.buy_on_invoice(plan=plan, by=contact, company=company)
        db.session.commit()
    db.session.expire_all()
    categories = [db.session.get(User, u.id).category for u in [contact, *employees]]
    assert categories == ["company", "company", "public", "public"]


def test_an_employee_cannot_buy_for_the_company(client, db, login_as, make_company, make_user):
    company = make_company()
    employee = make_user(company=company)
    product = PackProduct(
        name_fr="10 h", name_en="10 h", minutes=600, price_cents=1, machine_kinds="laser_cutter"
    )
    db.session.add(product)
    db.session.commit()
    login_as(employee)
    client.post(f"/offer/packs/{product.id}/buy", data={"for_company": "1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pack)) == 0


def test_manager_defines_the_offer_and_sells_at_the_desk(client, db, login_as, manager, member):
    login_as(manager)
    assert client.get("/manage/offer").status_code == 200
    response = client.post(
        "/manage/offer/plans/new",
        data={
            "name_fr": "Adhésion étudiant",
            "name_en": "Student membership",
            "price": "15",
            "validity_months": "12",
            "category": "reduced",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/manage/offer/packs/new",
        data={
            "name_fr": "10 h laser",
            "hours": "10",
            "price": "250",
            "validity_months": "12",
            "machine_kinds": ["laser_cutter"],
            "active": "y",
        },
    )
    assert response.status_code == 302
    product = db.session.scalar(sa.select(PackProduct))
    assert (product.minutes, product.price_cents, product.kinds) == (600, 25000, ["laser_cutter"])
    bad = client.post("/manage/offer/packs/new", data={"name_fr": "x", "hours": "-1", "price": "1"})
    assert (
        bad.status_code == 200
        and db.session.scalar(sa.select(sa.func.count()).select_from(PackProduct)) == 1
    )
    response = client.post(
        "/manage/offer/services/new",
        data={
            "kind": "cutting",
            "name_fr": "Découpe",
            "unit": "h",
            "unit_price": "80",
            "active": "y",
        },
    )
    assert response.status_code == 302
    plan = db.session.scalar(sa.select(Plan))
    response = client.post(
        "/manage/offer/sell",
        data={"item": f"plan:{plan.id}", "email": member.email, "method": "cash"},
    )
    assert response.status_code == 302
    invoice = db.session.scalar(sa.select(Invoice))
    assert balance_of(invoice).status == "paid"
    assert db.session.get(User, member.id).category == "reduced"
    page = client.get("/manage/offer").get_data(as_text=True)
    assert "Student membership" in page and "10 h laser" in page


def test_a_quote_goes_from_request_to_paid_invoice(client, db, login_as, manager, outbox):
    with time_machine.travel(datetime(2026, 5, 4, 9, tzinfo=UTC), tick=True):
        response = client.post(
            "/quote-request",
            data={
                "service_id": "0",
                "company_name": "Atelier Dupont",
                "company_address": "3 rue des Forges\n69000 Lyon",
                "contact_name": "Claire Dupont",
                "contact_email": "claire@dupont.example",
                "text": "50 plaques découpées au laser",
            },
        )
        assert response.status_code == 200
        quote = db.session.scalar(sa.select(Quote))
        login_as(manager)
        response = client.post(
            f"/manage/quotes/{quote.id}",
            data={
                "lines-0-description": "Découpe laser de 50 plaques",
                "lines-0-quantity": "50",
                "lines-0-unit": "u",
                "lines-0-unit_price": "4.20",
                "vat_rate": "20",
                "valid_until": "2026-06-30",
                "deposit_percent": "30",
                "company_id": "0",
            },
        )
        assert response.status_code == 302
        client.post(f"/manage/quotes/{quote.id}/send")
        db.session.expire_all()
        quote = db.session.get(Quote, quote.id)
        assert quote.number == "D-2026-0001" and quote.status == "sent"
        assert outbox[-1].to == ["claire@dupont.example"]
        link = re.search(r"http://localhost(/quotes/answer/\S+)", outbox[-1].body).group(1)
        assert outbox[-1].attachments[0][0] == "D-2026-0001.pdf"
        client.post("/logout")

        response = client.post(link, data={"name": "Claire Dupont", "answer": "accept"})
        assert response.status_code == 302
        db.session.expire_all()
        quote = db.session.get(Quote, quote.id)
        assert (quote.status, quote.answered_by_name, quote.answered_ip) == (
            "accepted",
            "Claire Dupont",
            "127.0.0.1",
        )
        assert client.post(link, data={"name": "X", "answer": "decline"}).status_code == 302
        assert db.session.get(Quote, quote.id).status == "accepted"  # answered once

        login_as(manager)
        client.post(f"/manage/quotes/{quote.id}/deposit")
        client.post(f"/manage/quotes/{quote.id}/invoice")
        db.session.expire_all()
        quote = db.session.get(Quote, quote.id)
        deposit = db.session.get(Invoice, quote.deposit_invoice_id)
        final = db.session.get(Invoice, quote.invoice_id)
        assert deposit.total_excl_cents == 6300  # 30 % of 210 €
        assert final.total_excl_cents == 21000 - 6300
        assert final.buyer_name == "Atelier Dupont"
        page = client.get("/manage/quotes").get_data(as_text=True)
        assert "D-2026-0001" in page
        assert client.get(f"/manage/quotes/{quote.id}/pdf").mimetype == "application/pdf"


def test_an_expired_quote_cannot_be_accepted(app, db):
    from fablab.payments import quotes

    with app.test_request_context():
        quote = quotes.request_quote(
            service=None,
            company_name="Late Ltd",
            contact_name="Late",
            contact_email="late@late.example",
            text="Something",
        )
        quotes.save_draft(
            quote=quote,
            lines=[quotes.LineInput("Work", 1000, 1000)],
            vat_rate_bp=2000,
            valid_until=date.today() + timedelta(days=1),
        )
        token = quotes.send_quote(quote=quote)
        db.session.commit()
    client = app.test_client()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=5), tick=True):
        client.post(f"/quotes/answer/{token}", data={"name": "Late", "answer": "accept"})
        page = client.get(f"/quotes/answer/{token}", headers={"Accept-Language": "en"}).get_data(
            as_text=True
        )
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "sent"
    assert "expired" in page


def test_the_cli_reports_packs_and_runs_the_expiry(app, db, make_user):
    from fablab.payments import packs

    person = make_user(category="public")
    with app.test_request_context():
        product = pack_products.save_product(
            name_fr="2 h",
            name_en="2 h",
            minutes=120,
            price_cents=6000,
            validity_months=1,
            machine_kinds=["laser_cutter"],
        )
        pack = packs.buy_on_invoice(product=product, by=person, user=person)
        db.session.commit()
    runner = app.test_cli_runner()
    with time_machine.travel(pack.expires_at + timedelta(hours=1), tick=False):
        result = runner.invoke(args=["offer", "expire"])
    assert result.exit_code == 0 and "1 packs expired" in result.output
    report = runner.invoke(args=["offer", "packs-report"]).output
    assert "expired        120 min       60.00 EUR" in report
