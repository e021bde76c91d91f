"""The accounting settings and pages as a manager and a member use them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from fablab.billing.models import Invoice
from fablab.billing.settings import get_billing_settings
from tests.accounting_helpers import a_charge, invoice_now

SETTINGS = {
    "time_policy": "booked",
    "payment_terms_days": "30",
    "late_payment_text": "Pénalités : trois fois le taux légal ; indemnité de 40 €.",
    "invoice_prefix": "F",
    "credit_note_prefix": "A",
    "membership_fee_member": "30",
    "membership_fee_public": "0",
    "membership_fee_reduced": "15",
    "membership_fee_company": "0",
    "legal_form": "SAS",
    "share_capital": "10 000 €",
    "registration": "RCS Lyon 123 456 789",
    "vat_regime": "franchise",
    "late_payment_text_private": "Pas d'escompte.",
}


@pytest.mark.parametrize(
    "url", ["/billing/accounting", "/billing/accounting/chart", "/billing/accounting/fec?year=2026"]
)
def test_accounting_pages_are_for_managers(client, login_as, member, manager, url):
    assert login_as(member).get(url).status_code == 403
    assert login_as(manager).get(url).status_code == 200


def test_the_manage_menu_links_to_accounting(client, login_as, manager):
    page = login_as(manager).get("/billing/").get_data(as_text=True)
    assert 'href="/billing/accounting"' in page


def test_closing_a_period_asks_first(client, login_as, manager):
    page = login_as(manager).get("/billing/accounting").get_data(as_text=True)
    assert 'data-confirm="Close this period? It is final' in page


def test_a_manager_sets_the_seller_identity_and_the_293b_regime(
    client, login_as, db, manager, member
):
    response = login_as(manager).post("/billing/settings", data=SETTINGS)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    a_charge(member, key=1, price=5000)
    db.session.commit()
    invoice_now(client, "user", member.id)
    invoice = db.session.query(Invoice).one()
    assert (invoice.seller_legal_form, invoice.seller_registration) == (
        "SAS",
        "RCS Lyon 123 456 789",
    )
    assert invoice.total_vat_cents == 0 and "293 B" in invoice.vat_mention
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "Share capital: 10 000 €" in page or "Capital social : 10 000 €" in page


def test_a_bad_chart_of_accounts_is_refused_beside_the_field(client, login_as, db, manager):
    login_as(manager)
    response = client.post("/billing/accounting/chart", data={"chart_of_accounts": "vat.2000 = x"})
    assert response.status_code == 200
    assert "Line 1" in response.get_data(as_text=True) or "Ligne 1" in response.get_data(
        as_text=True
    )
    good = "revenue.machine_time = 706110\ncustomers = 411100"
    assert (
        client.post("/billing/accounting/chart", data={"chart_of_accounts": good}).status_code
        == 302
    )
    db.session.expire_all()
    assert get_billing_settings().chart_of_accounts == good


def test_a_member_gives_an_address_that_goes_on_the_next_invoice(
    client, login_as, db, manager, member
):
    login_as(member).post(
        "/profile",
        data={
            "profile-name": "Alex Member",
            "profile-phone": "",
            "profile-locale": "en",
            "profile-address": "5 place des Terreaux\n69001 Lyon",
        },
    )
    a_charge(member, key=1)
    db.session.commit()
    invoice_now(login_as(manager), "user", member.id)
    invoice = db.session.query(Invoice).one()
    assert invoice.buyer_address == "5 place des Terreaux\n69001 Lyon"


def test_a_payment_dated_in_a_closed_month_is_refused_on_the_form(
    client, login_as, db, manager, member
):
    with time_machine.travel(datetime(2026, 10, 10, 9, tzinfo=UTC), tick=False):
        a_charge(member, key=1)
        db.session.commit()
        invoice_now(login_as(manager), "user", member.id)
    invoice = db.session.query(Invoice).one()
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        login_as(manager)
        closed = client.post(
            "/billing/accounting/close", data={"kind": "month", "year": "2026", "month": "10"}
        )
        assert closed.status_code == 302
        response = client.post(
            f"/billing/invoices/{invoice.id}/payments",
            data={"amount": "12.00", "method": "cash", "received_on": "2026-10-31"},
        )
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert "is closed" in body or "est clôturée" in body
    db.session.expire_all()
    assert invoice.payments == []


def test_overdue_invoices_are_reminded_on_the_set_days_in_the_customers_language(
    app, client, login_as, db, manager, make_user, outbox
):
    from fablab.billing.jobs import overdue_reminders_job

    customer = make_user(email="client@example.org", locale="fr")
    with time_machine.travel(datetime(2026, 9, 1, 9, tzinfo=UTC), tick=False):
        a_charge(customer, key=1)
        db.session.commit()
        invoice_now(login_as(manager), "user", customer.id)
    invoice = db.session.query(Invoice).one()  # due on 1 October (30 days)
    outbox.clear()
    sent = []
    for day in (5, 8, 9, 31, 31):  # October: 4, 7, 8, 30 and again 30 days late
        moment = datetime(2026, 10, day, 9, tzinfo=UTC)
        with time_machine.travel(moment, tick=False), app.app_context():
            sent.append(overdue_reminders_job())
    assert sent == [0, 1, 0, 1, 0]
    assert len(outbox) == 2 and all("Relance" in m.subject for m in outbox)
    page = login_as(customer).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert page.count("client@example.org") >= 2  # both reminders logged on the invoice
