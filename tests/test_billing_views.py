"""Billing pages: who may see an invoice, the manager's pages, exports."""

from __future__ import annotations

import pytest

from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import Invoice, Payment
from tests.accounting_helpers import invoice_now


@pytest.fixture
def issue(db, app):
    def _issue(user=None, company=None, price=1000, key="1"):
        with app.test_request_context():
            charge = add_charge(
                kind="other",
                description="Laser cutting",
                quantity_milli=1000,
                unit_price_cents=price,
                source_type="test",
                source_key=f"test:{key}",
                user=user,
                company=company,
            )
            invoice = issue_invoice(
                charges=[charge], user=None if company else user, company=company
            )
            db.session.commit()
            return invoice

    return _issue


@pytest.fixture
def company_setup(make_company, make_user):
    company = make_company(legal_name="Demo Industries")
    contact = make_user(company=company, is_company_contact=True)
    employee = make_user(company=company)
    return company, contact, employee


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 200), ("manager", 200), ("other", 404), ("anonymous", 302)],
)
def test_a_person_invoice_is_seen_by_its_owner_and_managers(
    client, login_as, issue, member, manager, make_user, who, status
):
    invoice = issue(user=member)
    viewer = {"owner": member, "manager": manager, "other": make_user()}.get(who)
    if viewer:
        login_as(viewer)
    for url in (f"/invoices/{invoice.id}", f"/invoices/{invoice.id}.pdf"):
        assert client.get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), [("contact", 200), ("employee", 404)])
def test_a_company_invoice_is_seen_by_the_company_contact(
    client, login_as, issue, company_setup, who, status
):
    company, contact, employee = company_setup
    invoice = issue(user=employee, company=company)
    login_as(contact if who == "contact" else employee)
    assert client.get(f"/invoices/{invoice.id}.pdf").status_code == status


def test_the_pdf_is_a_pdf_with_the_number(client, login_as, issue, member):
    invoice = issue(user=member)
    login_as(member)
    response = client.get(f"/invoices/{invoice.id}.pdf")
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert invoice.number in response.headers["Content-Disposition"]


def test_my_invoices_lists_mine_only(client, login_as, issue, member, make_user):
    mine = issue(user=member, key="a")
    theirs = issue(user=make_user(), key="b")
    login_as(member)
    page = client.get("/invoices/mine").get_data(as_text=True)
    assert mine.number in page
    assert theirs.number not in page


@pytest.mark.parametrize(
    "url",
    [
        "/billing/",
        "/billing/invoices",
        "/billing/unpaid",
        "/billing/payments",
        "/billing/exports",
        "/billing/settings",
        "/billing/verify",
        "/billing/charges/new",
        "/billing/memberships",
    ],
)
def test_manager_pages_are_for_managers(client, login_as, member, manager, url):
    login_as(member)
    assert client.get(url).status_code == 403
    login_as(manager)
    assert client.get(url).status_code == 200


def test_manager_adds_a_charge_and_invoices_the_customer(client, login_as, db, manager, member):
    login_as(manager)
    response = client.post(
        "/billing/charges/new",
        data={
            "customer_email": member.email,
            "company_id": "0",
            "kind": "other",
            "description": "3D printing service",
            "quantity": "2",
            "unit_price": "12.50",
        },
    )
    assert response.status_code == 302
    page = client.get("/billing/").get_data(as_text=True)
    assert "3D printing service" in page
    response = invoice_now(client, "user", member.id)
    assert response.status_code == 302
    invoice = db.session.query(Invoice).one()
    assert invoice.total_excl_cents == 2500
    assert invoice.total_incl_cents == 3000


def test_bad_charge_input_shows_an_error_and_stores_nothing(client, login_as, db, manager):
    login_as(manager)
    response = client.post(
        "/billing/charges/new",
        data={
            "customer_email": "nobody@example.org",
            "company_id": "0",
            "kind": "other",
            "description": "x",
            "quantity": "-1",
            "unit_price": "abc",
        },
    )
    assert response.status_code == 200
    assert "field-error" in response.get_data(as_text=True)
    from fablab.billing.models import Charge

    assert db.session.query(Charge).count() == 0


def test_payment_at_the_desk_and_reminders(client, login_as, db, issue, manager, member, outbox):
    invoice = issue(user=member, price=5000)
    login_as(manager)
    client.post(f"/billing/invoices/{invoice.id}/remind")
    assert outbox[-1].to == [member.email]
    assert invoice.number in outbox[-1].subject
    too_much = client.post(
        f"/billing/invoices/{invoice.id}/payments",
        data={"amount": "100.00", "method": "cash", "received_on": "2026-11-02"},
    )
    assert too_much.status_code == 200
    assert db.session.query(Payment).count() == 0
    client.post(
        f"/billing/invoices/{invoice.id}/payments",
        data={"amount": "60.00", "method": "card", "received_on": "2026-11-02"},
    )
    assert db.session.query(Payment).count() == 1
    assert invoice.number not in client.get("/billing/unpaid").get_data(as_text=True)


def test_credit_note_from_the_invoice_page(client, login_as, db, issue, manager, member):
    invoice = issue(user=member)
    login_as(manager)
    form = client.get(f"/billing/invoices/{invoice.id}/credit").get_data(as_text=True)
    assert 'data-confirm="Issue this credit note? It is final' in form  # asked before issuing
    assert (
        client.post(f"/billing/invoices/{invoice.id}/credit", data={"reason": ""}).status_code
        == 200
    )
    response = client.post(f"/billing/invoices/{invoice.id}/credit", data={"reason": "Error"})
    assert response.status_code == 302
    credit = db.session.query(Invoice).filter_by(doc_type="credit_note").one()
    assert credit.total_incl_cents == -invoice.total_incl_cents
    pdf = client.get(f"/invoices/{credit.id}.pdf")
    assert pdf.data.startswith(b"%PDF")
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert credit.number in page


def test_journal_and_vat_exports(client, login_as, issue, manager, member):
    invoice = issue(user=member, price=1999)
    login_as(manager)
    journal = client.get("/billing/exports/journal.csv").get_data(as_text=True)
    assert journal.splitlines()[0] == "date,number,type,customer,excl_vat,vat,incl_vat,credits"
    assert f"{invoice.number},invoice,Alex Member,19.99,4.00,23.99," in journal
    # A service: its VAT is due when paid (encaissements), not when invoiced.
    vat = client.get("/billing/exports/vat.csv").get_data(as_text=True)
    assert f"{invoice.issue_date:%Y-%m},20.00" not in vat
    client.post(
        f"/billing/invoices/{invoice.id}/payments",
        data={"amount": "23.99", "method": "transfer", "received_on": invoice.issue_date},
    )
    vat = client.get("/billing/exports/vat.csv").get_data(as_text=True)
    assert f"{invoice.issue_date:%Y-%m},20.00,19.99,4.00,23.99,08" in vat


def test_monthly_run_button_refuses_a_bad_month(client, login_as, manager):
    login_as(manager)
    response = client.post("/billing/run", data={"month": "2026-13"}, follow_redirects=True)
    assert response.status_code == 200
    assert "YYYY-MM" in response.get_data(as_text=True)


def test_api_lists_my_invoices_only(client, login_as, issue, member, make_user):
    mine = issue(user=member, key="a")
    issue(user=make_user(), key="b")
    assert client.get("/api/v1/invoices").status_code == 401
    login_as(member)
    body = client.get("/api/v1/invoices").get_json()
    assert [d["number"] for d in body] == [mine.number]
    assert body[0]["status"] == "unpaid"
    assert body[0]["total_incl_vat_cents"] == 1200
    assert "/api/v1/invoices" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_cli_run_refuses_a_bad_month_and_bills_a_past_one(app, issue, member):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["invoices", "run", "--month", "2026-13"])
    assert bad.exit_code != 0
    assert "YYYY-MM" in bad.output or "AAAA-MM" in bad.output
    good = runner.invoke(args=["invoices", "run", "--month", "2026-01"])
    assert good.exit_code == 0, good.output
    assert "0 invoices issued" in good.output
