"""Invoices and credit notes: gapless numbers, frozen documents, the hash chain."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from fablab.billing.chain import verify_chain
from fablab.billing.charges import add_charge
from fablab.billing.invoices import AlreadyInvoiced, issue_credit_note, issue_invoice
from fablab.billing.models import Charge, Invoice
from fablab.billing.payments import balance_of, record_payment
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow


@pytest.fixture(autouse=True)
def _request(app):
    # Lazy messages need a request to pick a language (the app's locale selector reads it).
    with app.test_request_context():
        yield


def a_charge(user=None, company=None, *, key, price=1000, quantity=1000, vat=2000):
    return add_charge(
        kind="other",
        description=f"Work {key}",
        quantity_milli=quantity,
        unit_price_cents=price,
        source_type="test",
        source_key=f"test:{key}",
        user=user,
        company=company,
        vat_rate_bp=vat,
    )


def test_an_invoice_has_a_number_of_the_year_seller_buyer_and_totals(db, member, lab_settings):
    lab_settings.legal_name = "Association Fab Lab"
    lab_settings.siret = "12345678900011"
    charges = [a_charge(member, key=1, price=1999, quantity=1500), a_charge(member, key=2)]
    invoice = issue_invoice(charges=charges, user=member)
    db.session.commit()

    year = to_local(utcnow()).year
    assert invoice.number == f"F-{year}-000001"
    assert invoice.seller_legal_name == "Association Fab Lab"
    assert invoice.seller_siret == "12345678900011"
    assert invoice.buyer_name == "Alex Member"
    # 1.5 × 19.99 = 29.985 -> 29.99; VAT per line 6.00 + 2.00
    assert [line.amount_excl_cents for line in invoice.lines] == [2999, 1000]
    assert (invoice.total_excl_cents, invoice.total_vat_cents) == (3999, 800)
    assert invoice.total_incl_cents == 4799
    assert (invoice.due_date - invoice.issue_date).days == 30
    # A private person: no late-payment penalties nor 40 € indemnity (B2B only).
    assert "40 €" not in invoice.late_payment_text
    assert all(charge.is_invoiced for charge in charges)


def test_company_invoice_carries_the_company_identity(db, make_company, make_user):
    company = make_company(
        legal_name="Demo Industries", siret="12345678900011", vat_number="FR99123456789"
    )
    employee = make_user(company=company)
    invoice = issue_invoice(charges=[a_charge(employee, company, key=1)], company=company)
    assert invoice.buyer_name == "Demo Industries"
    assert invoice.buyer_vat_number == "FR99123456789"
    assert invoice.buyer_siret == "12345678900011"
    assert "40 €" in invoice.late_payment_text


def test_charges_are_never_invoiced_twice(db, member):
    charge = a_charge(member, key=1)
    issue_invoice(charges=[charge], user=member)
    db.session.commit()
    with pytest.raises(AlreadyInvoiced):
        issue_invoice(charges=[charge], user=member)


def test_the_database_refuses_to_update_an_issued_invoice_or_its_lines(db, member):
    invoice = issue_invoice(charges=[a_charge(member, key=1)], user=member)
    db.session.commit()
    for statement in (
        "UPDATE invoices SET total_excl_cents = 1, total_incl_cents = 1, total_vat_cents = 0",
        "UPDATE invoices SET buyer_name = 'Someone else'",
        "UPDATE invoice_lines SET description = 'changed'",
    ):
        with pytest.raises(sa.exc.DatabaseError, match="issued_document_readonly"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    db.session.refresh(invoice)
    assert invoice.total_excl_cents == 1000


def test_a_full_credit_note_cancels_the_invoice_exactly(db, member):
    charges = [
        a_charge(member, key=1, price=333, quantity=1333),
        a_charge(member, key=2, price=1999, quantity=2500, vat=550),
    ]
    invoice = issue_invoice(charges=charges, user=member)
    credit = issue_credit_note(invoice=invoice, reason="Machine broken")
    db.session.commit()

    year = to_local(utcnow()).year
    assert credit.number == f"A-{year}-000001"
    assert credit.credited_invoice_id == invoice.id
    assert credit.total_excl_cents == -invoice.total_excl_cents
    assert credit.total_vat_cents == -invoice.total_vat_cents
    assert credit.total_incl_cents == -invoice.total_incl_cents
    for mine, theirs in zip(credit.lines, invoice.lines, strict=True):
        assert mine.amount_incl_cents == -theirs.amount_incl_cents
    assert balance_of(invoice).due_cents == 0
    assert balance_of(invoice).status == "cancelled"


def test_partial_credit_then_payment_settles_the_invoice(db, member):
    invoice = issue_invoice(charges=[a_charge(member, key=1, price=5000)], user=member)
    issue_credit_note(invoice=invoice, reason="Discount", amount_excl_cents=1000)
    # 6000 incl. VAT - 1200 credited = 4800 due
    assert balance_of(invoice).due_cents == 4800
    record_payment(invoice=invoice, amount_cents=4800, method="cash")
    assert balance_of(invoice).status == "paid"


def issue_in_thread(app, charge_id, numbers, errors):
    from fablab.accounts.models import User
    from fablab.extensions import db as _db
    from fablab.transaction import commit

    try:
        with app.app_context(), app.test_request_context():
            charge = _db.session.get(Charge, charge_id)
            user = _db.session.get(User, charge.user_id)
            invoice = issue_invoice(charges=[charge], user=user)
            numbers.append(invoice.sequence)
            commit()
    except Exception as error:  # noqa: BLE001  (reported by the test)
        errors.append(error)


def test_twenty_concurrent_issuings_get_twenty_consecutive_numbers(app, db, make_user):
    charge_ids = [a_charge(make_user(), key=n).id for n in range(20)]
    db.session.commit()
    numbers: list[int] = []
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=issue_in_thread, args=(app, charge_id, numbers, errors))
        for charge_id in charge_ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(numbers) == list(range(1, 21))
    stored = db.session.scalars(sa.select(Invoice.number).order_by(Invoice.number)).all()
    year = to_local(utcnow()).year
    assert stored == [f"F-{year}-{n:06d}" for n in range(1, 21)]
    report = verify_chain()
    assert report.ok and report.count == 20


def test_a_rolled_back_issue_leaves_no_gap(db, member):
    issue_invoice(charges=[a_charge(member, key=1)], user=member)
    db.session.rollback()
    invoice = issue_invoice(charges=[a_charge(member, key=2)], user=member)
    db.session.commit()
    assert invoice.sequence == 1


def test_numbers_start_again_each_year(db, member):
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 12, 31, 12, tzinfo=UTC), tick=False):
        last_of_2026 = issue_invoice(charges=[a_charge(member, key=1)], user=member)
    # 23:30 UTC on 31 December is already 2027 in Paris
    with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        first_of_2027 = issue_invoice(charges=[a_charge(member, key=2)], user=member)
    db.session.commit()
    assert last_of_2026.number == "F-2026-000001"
    assert first_of_2027.number == "F-2027-000001"
    assert verify_chain().ok


def run_in_thread(app, results, errors):
    from datetime import date

    from fablab.billing.runs import run_monthly_invoicing
    from fablab.transaction import commit

    try:
        with app.app_context(), app.test_request_context():
            result = run_monthly_invoicing(month=date(2026, 10, 1))
            results.append(len(result.invoices))
            commit()
    except Exception as error:  # noqa: BLE001  (reported by the test)
        errors.append(error)


def test_two_concurrent_monthly_runs_bill_once(app, db, member, make_user, lab_settings):
    from datetime import UTC, datetime

    october = datetime(2026, 10, 10, tzinfo=UTC)
    for n, user in enumerate([member, make_user(), make_user()]):
        a_charge(user, key=n).occurred_at = october
    db.session.commit()
    results: list[int] = []
    errors: list[Exception] = []
    threads = [threading.Thread(target=run_in_thread, args=(app, results, errors)) for _ in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 3]
    assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == 3
