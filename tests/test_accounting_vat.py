"""VAT per rate on documents, credit notes at the credited lines' rates, exemptions, mentions."""

from __future__ import annotations

import pytest

from fablab.billing.charges import add_charge
from fablab.billing.identity import IdentityIncomplete
from fablab.billing.invoices import issue_credit_note, issue_invoice
from fablab.billing.settings import get_billing_settings
from fablab.billing.vat import breakdown
from tests.accounting_helpers import invoice_now


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def charge(user=None, company=None, *, key, price, vat, kind="other", description=None):
    return add_charge(
        kind=kind,
        description=description or f"Item {key}",
        quantity_milli=1000,
        unit_price_cents=price,
        source_type="test",
        source_key=f"test:{key}",
        user=user,
        company=company,
        vat_rate_bp=vat,
    )


def mixed_invoice(member):
    book = charge(member, key="book", price=1999, vat=550, kind="consumable", description="Book")
    laser = charge(member, key="laser", price=3000, vat=2000, description="Laser time")
    return issue_invoice(charges=[book, laser], user=member)


def test_an_invoice_shows_base_and_vat_per_rate(db, member, client, login_as):
    invoice = mixed_invoice(member)
    db.session.commit()
    assert [(r.vat_rate_bp, r.base_cents, r.vat_cents) for r in breakdown(invoice)] == [
        (2000, 3000, 600),
        (550, 1999, 110),
    ]
    page = login_as(member).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "19.99" in page and "1.10" in page and "6.00" in page  # English page


def test_partial_credit_of_the_book_line_uses_its_55_rate(db, member):
    invoice = mixed_invoice(member)
    book = next(line for line in invoice.lines if line.vat_rate_bp == 550)
    credit = issue_credit_note(
        invoice=invoice, reason="Damaged book", amount_excl_cents=1999, line_position=book.position
    )
    # The reproduced bug gave 4.00 € of VAT (20 %); the book carried 1.10 €.
    assert credit.total_vat_cents == -110
    assert credit.total_incl_cents == -2109
    assert [(r.vat_rate_bp, r.vat_cents) for r in breakdown(credit)] == [(550, -110)]


def test_partial_credit_without_a_line_is_spread_over_the_rates(db, member):
    invoice = mixed_invoice(member)
    credit = issue_credit_note(invoice=invoice, reason="Goodwill", amount_excl_cents=1000)
    rows = {r.vat_rate_bp: r for r in breakdown(credit)}
    assert set(rows) == {2000, 550}
    assert rows[2000].base_cents + rows[550].base_cents == -1000
    assert rows[2000].base_cents == -600  # 3000 / 4999 of 10 €
    assert rows[550].vat_cents == -22  # 4.00 × 5.5 %


def test_a_293b_lab_issues_invoices_without_vat_and_with_the_mention(db, member, client, login_as):
    get_billing_settings().vat_regime = "franchise"
    db.session.commit()
    invoice = issue_invoice(charges=[charge(member, key=1, price=5000, vat=2000)], user=member)
    db.session.commit()
    assert (invoice.total_vat_cents, invoice.total_incl_cents) == (0, 5000)
    assert invoice.vat_mention == "TVA non applicable, art. 293 B du CGI"
    page = login_as(member).get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "TVA non applicable, art. 293 B du CGI" in page
    credit = issue_credit_note(invoice=invoice, reason="Error")
    assert credit.vat_mention == invoice.vat_mention and credit.total_vat_cents == 0


def test_non_profit_exemption_mention(db, member):
    get_billing_settings().vat_regime = "exempt"
    invoice = issue_invoice(charges=[charge(member, key=1, price=5000, vat=2000)], user=member)
    assert invoice.total_vat_cents == 0
    assert "261-7" in invoice.vat_mention


def test_an_invoice_is_refused_while_the_seller_identity_is_incomplete(db, member, lab_settings):
    lab_settings.siret = ""
    lab_settings.address = ""
    with pytest.raises(IdentityIncomplete) as refused:
        issue_invoice(charges=[charge(member, key=1, price=100, vat=2000)], user=member)
    # No browser language here: the lab's default, French.
    assert "adresse, SIRET" in refused.value.message
    assert "Gérer → Réglages" in refused.value.message


def test_invoice_now_shows_the_identity_error_and_issues_nothing(
    db, manager, member, lab_settings, client, login_as
):
    charge(member, key=1, price=100, vat=2000)
    lab_settings.legal_name = ""
    db.session.commit()
    response = invoice_now(login_as(manager), "user", member.id, follow_redirects=True)
    assert "legal name" in response.get_data(as_text=True)
    from fablab.billing.models import Invoice

    assert db.session.query(Invoice).count() == 0


def test_mentions_b2c_b2b_and_credit_note(db, member, make_company, make_user):
    settings = get_billing_settings()
    settings.legal_form, settings.registration = "SAS", "RCS Lyon 123 456 789"
    settings.share_capital = "10 000 €"
    member.address = "5 place des Terreaux\n69001 Lyon"
    private = issue_invoice(charges=[charge(member, key=1, price=100, vat=2000)], user=member)
    assert private.buyer_address.startswith("5 place des Terreaux")
    assert "40 €" not in private.late_payment_text
    assert private.service_dates is not None  # the service date is on every line
    assert (private.seller_legal_form, private.seller_registration) == (
        "SAS",
        "RCS Lyon 123 456 789",
    )
    company = make_company()
    employee = make_user(company=company)
    business = issue_invoice(
        charges=[charge(employee, company, key=2, price=100, vat=2000)], company=company
    )
    assert "40 €" in business.late_payment_text
    credit = issue_credit_note(invoice=business, reason="Mistake")
    assert credit.late_payment_text == "" and credit.payment_terms_days == 0


def test_the_pdf_carries_the_mentions_and_the_vat_table(db, member, client, login_as):
    settings = get_billing_settings()
    settings.legal_form, settings.registration = "Association loi 1901", "RNA W691234567"
    invoice = mixed_invoice(member)
    credit = issue_credit_note(
        invoice=invoice, reason="Damaged", amount_excl_cents=1999, line_position=1
    )
    db.session.commit()
    import io  # noqa: PLC0415

    from pypdf import PdfReader  # noqa: PLC0415

    def text(doc):
        data = login_as(member).get(f"/invoices/{doc.id}.pdf").data
        return PdfReader(io.BytesIO(data)).pages[0].extract_text()

    body = text(invoice)
    assert "RNA W691234567" in body and "Association loi 1901" in body
    assert "5,5" in body and "1,10" in body  # the 5.5 % row of the VAT table
    assert "Date de la prestation" in body or "Service date" in body
    assert "40 €" not in body
    credit_body = text(credit)
    assert "chéance" not in credit_body and "Due date" not in credit_body


def test_the_billing_dashboard_warns_while_the_identity_is_incomplete(
    db, client, login_as, manager, lab_settings
):
    assert "No invoice can be issued" not in login_as(manager).get("/billing/").get_data(
        as_text=True
    )
    lab_settings.siret = ""
    db.session.commit()
    page = login_as(manager).get("/billing/").get_data(as_text=True)
    assert "No invoice can be issued until the lab settings give its SIRET" in page
