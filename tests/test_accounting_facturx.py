"""Factur-X: a company's invoice and credit note carry an EN 16931 CII XML that validates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree

from fablab.billing.invoices import issue_credit_note
from fablab.billing.models import Invoice
from tests.accounting_helpers import a_charge, invoice_now

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def amounts(root, path: str) -> list[Decimal]:
    return [Decimal(node.text) for node in root.xpath(path, namespaces=NS)]


def check_en16931_sums(root) -> None:
    """Business rules the XSD cannot check (BR-CO-10, BR-CO-13, BR-CO-14, BR-CO-15)."""
    summary = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    lines = amounts(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
    [line_total] = amounts(root, summary + "ram:LineTotalAmount")
    [tax_basis] = amounts(root, summary + "ram:TaxBasisTotalAmount")
    [tax] = amounts(root, summary + "ram:TaxTotalAmount")
    [grand] = amounts(root, summary + "ram:GrandTotalAmount")
    assert sum(lines) == line_total == tax_basis
    assert sum(amounts(root, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
                             "ram:CalculatedAmount")) == tax  # fmt: skip
    assert grand == tax_basis + tax


def company_invoice(client, login_as, db, manager, make_company, make_user):
    company = make_company(legal_name="Atelier Bois SARL", siret="98765432100015")
    employee = make_user(company=company)
    a_charge(employee, company, key="cnc", price=12000, kind="machine_time")
    a_charge(employee, company, key="book", price=1999, vat=550, kind="consumable")
    db.session.commit()
    invoice_now(login_as(manager), "company", company.id)
    return db.session.query(Invoice).one()


def test_a_company_invoice_pdf_carries_a_valid_facturx_xml(
    db, client, login_as, manager, make_company, make_user
):
    invoice = company_invoice(client, login_as, db, manager, make_company, make_user)
    pdf = client.get(f"/invoices/{invoice.id}.pdf").data
    filename, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:ID/text()", namespaces=NS) == [invoice.number]
    assert root.xpath("//ram:BuyerTradeParty/ram:Name/text()", namespaces=NS) == [
        "Atelier Bois SARL"
    ]
    rates = sorted(amounts(root, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
                                 "ram:RateApplicablePercent"))  # fmt: skip
    assert rates == [Decimal("5.50"), Decimal("20.00")]
    check_en16931_sums(root)


def test_a_company_credit_note_is_type_381_referencing_its_invoice(
    db, client, login_as, manager, make_company, make_user
):
    invoice = company_invoice(client, login_as, db, manager, make_company, make_user)
    credit = issue_credit_note(invoice=invoice, reason="Remise", amount_excl_cents=5000)
    db.session.commit()
    _name, xml = get_xml_from_pdf(client.get(f"/invoices/{credit.id}.pdf").data, check_xsd=True)
    root = etree.fromstring(xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=NS) == ["381"]
    assert root.xpath("//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()",
                      namespaces=NS) == [invoice.number]  # fmt: skip
    check_en16931_sums(root)
    assert all(a > 0 for a in amounts(root, "//ram:GrandTotalAmount"))


def test_a_private_person_keeps_the_plain_pdf(db, client, login_as, manager, member):
    a_charge(member, key="laser")
    db.session.commit()
    invoice_now(login_as(manager), "user", member.id)
    invoice = db.session.query(Invoice).one()
    pdf = login_as(member).get(f"/invoices/{invoice.id}.pdf").data
    assert pdf.startswith(b"%PDF") and b"factur-x.xml" not in pdf
