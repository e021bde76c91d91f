"""Factur-X (EN 16931 profile) for invoices and credit notes to companies.

The CII XML is built with the ``factur-x`` library (its generator checks the XML
against the EN 16931 XSD) and embedded in the document's PDF as ``factur-x.xml``
with the Factur-X XMP metadata. Private persons keep the plain PDF.
"""

from __future__ import annotations

import logging
import re

from facturx import generate_from_binary
from facturx.generate_xml import LEVEL2BT_24, generate_cii_xml

from fablab.billing.models import Invoice
from fablab.billing.vat import breakdown

log = logging.getLogger(__name__)
LEVEL = "en16931"
UNIT_CODES = {"unit": "C62", "none": "C62", "gram": "GRM", "m2": "MTK", "sheet": "H87"}
POSTCODE_CITY = re.compile(r"^\s*(\d{5})\s+(.+?)\s*$")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _address(text: str) -> dict:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    out: dict = {"country_code": "FR"}
    if lines and (match := POSTCODE_CITY.match(lines[-1])):
        out["postcode"], out["city"] = match.group(1), match.group(2)
        lines = lines[:-1]
    for key, line in zip(("addr_l1", "addr_l2", "addr_l3"), lines, strict=False):
        out[key] = line
    return out


def _party(name: str, address: str, siret: str, vat: str, legal_info: str = "") -> dict:
    party = {"name": name, **_address(address)}
    if siret:
        party["legal_identifier"] = siret[:9]  # the SIREN
        party["legal_identifier_schemeid"] = "0002"
    if vat:
        party["vat_identifier"] = vat
    if legal_info:
        party["legal_info"] = legal_info
    return party


def _category(rate_bp: int, mention: str) -> dict:
    if rate_bp > 0:
        return {"BT-118": "S", "BT-119": f"{rate_bp / 100:.2f}"}
    return {"BT-118": "E", "BT-119": "0.00", "BT-120": mention or "Exonération de TVA"}


def _lines(invoice: Invoice, sign: int) -> list[dict]:
    lines = []
    for line in invoice.lines:
        category = _category(line.vat_rate_bp, invoice.vat_mention)
        row = {
            "BT-126": str(line.position),
            "BT-129": f"{sign * line.quantity_milli / 1000:.3f}",
            "BT-130": UNIT_CODES.get(line.unit, "C62"),
            "BT-131": _money(sign * line.amount_excl_cents),
            "BT-146": _money(line.unit_price_cents),
            "BT-151": category["BT-118"],
            "BT-152": category["BT-119"],
            "BT-153": line.description[:200],
        }
        if line.service_date:
            row["BT-134"] = row["BT-135"] = line.service_date
        lines.append(row)
    return lines


def _vat_rows(invoice: Invoice, sign: int) -> list[dict]:
    return [
        {
            "BT-116": _money(sign * rate.base_cents),
            "BT-117": _money(sign * rate.vat_cents),
            **_category(rate.vat_rate_bp, invoice.vat_mention),
        }
        for rate in breakdown(invoice)
    ]


def _parties(invoice: Invoice) -> dict:
    legal_info = ", ".join(
        part
        for part in (
            invoice.seller_legal_form,
            invoice.seller_share_capital and f"capital {invoice.seller_share_capital}",
            invoice.seller_registration,
        )
        if part
    )
    return {
        "BG-4": _party(
            invoice.seller_legal_name or invoice.seller_name,
            invoice.seller_address,
            invoice.seller_siret,
            invoice.seller_vat_number,
            legal_info,
        ),
        "BG-7": _party(
            invoice.buyer_name,
            invoice.buyer_address,
            invoice.buyer_siret,
            invoice.buyer_vat_number,
        ),
    }


def _terms(invoice: Invoice) -> dict:
    if invoice.is_credit_note and invoice.credited_invoice is not None:
        credited = invoice.credited_invoice
        return {"BG-3": [{"BT-25": credited.number, "BT-26": credited.issue_date}]}
    return {
        "BT-9": invoice.due_date,
        "BT-20": f"Paiement à {invoice.payment_terms_days} jours",
    }


def facturx_data(invoice: Invoice) -> dict:
    """The EN 16931 fields of a document (a credit note is type 381 with positive amounts)."""
    sign = -1 if invoice.is_credit_note else 1
    dates = invoice.service_dates
    notes = [text for text in (invoice.vat_mention, invoice.late_payment_text) if text]
    data = {
        "BT-24": LEVEL2BT_24[LEVEL],
        "BT-1": invoice.number,
        "BT-2": invoice.issue_date,
        "BT-3": "381" if invoice.is_credit_note else "380",
        "BT-5": "EUR",
        "BT-72": dates[1] if dates else invoice.issue_date,  # date of the service
        **_parties(invoice),
        **_terms(invoice),
        "BG-25": _lines(invoice, sign),
        "BG-23": _vat_rows(invoice, sign),
        "BT-106": _money(sign * invoice.total_excl_cents),
        "BT-109": _money(sign * invoice.total_excl_cents),
        "BT-110": _money(sign * invoice.total_vat_cents),
        "BT-112": _money(sign * invoice.total_incl_cents),
        "BT-115": _money(sign * invoice.total_incl_cents),
    }
    if notes:
        data["BG-1"] = [{"BT-22": text} for text in notes]
    return data


def facturx_xml(invoice: Invoice) -> bytes:
    """The CII XML, checked against the EN 16931 XSD by the library."""
    xml = generate_cii_xml(
        facturx_data(invoice), level=LEVEL, check_xsd=True, check_schematron=False
    )
    return xml if isinstance(xml, bytes) else bytes(xml)


def with_facturx(invoice: Invoice, pdf: bytes) -> bytes:
    """The PDF with the Factur-X XML embedded; the plain PDF if the XML cannot be made."""
    try:
        xml = facturx_xml(invoice)
        return generate_from_binary(
            pdf,
            xml,
            flavor="factur-x",
            level=LEVEL,
            check_xsd=False,  # checked when generated
            lang="fr-FR",
            pdf_metadata={
                "author": invoice.seller_legal_name or invoice.seller_name,
                "keywords": "Factur-X, Invoice",
                "title": invoice.number,
                "subject": f"{invoice.number} {invoice.buyer_name}",
            },
        )
    except Exception:  # a document must be issued even if its XML cannot be made
        log.exception("Factur-X XML for %s could not be made; plain PDF kept", invoice.number)
        return pdf
