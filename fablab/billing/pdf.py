"""PDF of an invoice or credit note with fpdf2.

fpdf2 ships no Unicode font and a system font may be missing on a fresh
machine, so the PDF uses the built-in Helvetica with the Windows-1252
encoding (it has €, œ and every French letter); any other character is
transliterated (accents stripped) or replaced by '?'. Nothing to install.
"""

from __future__ import annotations

import unicodedata

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from fablab.billing.models import Invoice
from fablab.billing.text import (
    date_text,
    euros,
    quantity_text,
    rate_text,
    seller_lines,
    service_text,
)
from fablab.billing.vat import breakdown

ENCODING = "windows-1252"
# Letters that Unicode does not decompose into a base letter plus an accent.
SPECIAL = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "→": "->", "←": "<-", "≤": "<=", "≥": ">="}
)


def pdf_text(value: object) -> str:
    """Text the core fonts can draw: Windows-1252, else transliterated, else '?'."""
    out = []
    for char in str(value or "").translate(SPECIAL):
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


class _Document(FPDF):
    def __init__(self, invoice: Invoice):
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self.invoice = invoice
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", size=7)
        footer = f"{self.invoice.number} - SHA-256 {self.invoice.content_hash} - {self.page_no()}"
        self.cell(0, 5, pdf_text(footer), align="C")

    def write_text(self, text: str, size: int = 9, style: str = "", height: float = 4.5) -> None:
        self.set_font("helvetica", style=style, size=size)
        self.multi_cell(0, height, pdf_text(text), new_x="LMARGIN", new_y="NEXT")


def invoice_pdf(invoice: Invoice, locale: str = "fr") -> bytes:
    """The PDF bytes of a document (French by default: the legal language of the invoice)."""
    with force_locale(locale):
        pdf = _Document(invoice)
        pdf.add_page()
        _parties(pdf, invoice)
        _lines(pdf, invoice)
        _totals(pdf, invoice)
        _terms(pdf, invoice)
        return bytes(pdf.output())


def _parties(pdf: _Document, invoice: Invoice) -> None:
    pdf.write_text(invoice.seller_name, size=14, style="B", height=7)
    pdf.write_text("\n".join(seller_lines(invoice)))
    pdf.ln(4)
    title = _("Credit note") if invoice.is_credit_note else _("Invoice")
    pdf.write_text(f"{title} {invoice.number}", size=16, style="B", height=8)
    facts = [_("Issue date: %(date)s", date=date_text(invoice.issue_date))]
    if not invoice.is_credit_note:
        facts.append(_("Due date: %(date)s", date=date_text(invoice.due_date)))
    if invoice.credited_invoice is not None:
        facts.append(_("Credits invoice %(number)s", number=invoice.credited_invoice.number))
        facts.append(_("Reason: %(reason)s", reason=invoice.reason))
    facts.append(service_text(invoice))
    if invoice.company_id is not None and not invoice.is_credit_note:
        facts.append(_("Operation category: services"))
        if invoice.vat_on_debits:
            facts.append(_("VAT paid on debits"))
    pdf.write_text("\n".join(f for f in facts if f))
    pdf.ln(3)
    buyer = [invoice.buyer_name, invoice.buyer_address]
    if invoice.buyer_siret:
        buyer.append(_("SIRET: %(siret)s", siret=invoice.buyer_siret))
    if invoice.buyer_vat_number:
        buyer.append(_("VAT number: %(number)s", number=invoice.buyer_vat_number))
    buyer.append(invoice.buyer_email)
    pdf.write_text(_("Billed to"), style="B")
    pdf.write_text("\n".join(b for b in buyer if b))
    pdf.ln(4)


def _lines(pdf: _Document, invoice: Invoice) -> None:
    pdf.set_font("helvetica", size=8)
    widths = (40, 14, 14, 8, 14, 14)
    headings = (
        _("Description"),
        _("Quantity"),
        _("Unit price excl. VAT"),
        _("VAT"),
        _("Total excl. VAT"),
        _("Total incl. VAT"),
    )
    with pdf.table(col_widths=widths, text_align=("LEFT",) + ("RIGHT",) * 5) as table:
        row = table.row()
        for heading in headings:
            row.cell(pdf_text(heading))
        for line in invoice.lines:
            row = table.row()
            for value in (
                line.description,
                quantity_text(line.quantity_milli, line.unit),
                euros(line.unit_price_cents),
                rate_text(line.vat_rate_bp),
                euros(line.amount_excl_cents),
                euros(line.amount_incl_cents),
            ):
                row.cell(pdf_text(value))
    pdf.ln(3)


def _vat_table(pdf: _Document, invoice: Invoice) -> None:
    pdf.set_font("helvetica", size=8)
    with pdf.table(col_widths=(20, 25, 25, 25), text_align="RIGHT", width=120, align="RIGHT") as t:
        row = t.row()
        for heading in (_("VAT rate"), _("Base excl. VAT"), _("VAT"), _("Total incl. VAT")):
            row.cell(pdf_text(heading))
        for rate in breakdown(invoice):
            row = t.row()
            for value in (
                rate_text(rate.vat_rate_bp),
                euros(rate.base_cents),
                euros(rate.vat_cents),
                euros(rate.incl_cents),
            ):
                row.cell(pdf_text(value))
    pdf.ln(3)


def _totals(pdf: _Document, invoice: Invoice) -> None:
    _vat_table(pdf, invoice)
    for label, cents, style in (
        (_("Total excl. VAT"), invoice.total_excl_cents, ""),
        (_("VAT"), invoice.total_vat_cents, ""),
        (_("Total incl. VAT"), invoice.total_incl_cents, "B"),
    ):
        pdf.set_font("helvetica", style=style, size=10)
        pdf.cell(140, 6, pdf_text(label), align="R")
        pdf.cell(0, 6, pdf_text(euros(cents)), align="R", new_x="LMARGIN", new_y="NEXT")
    if invoice.vat_mention:
        pdf.write_text(invoice.vat_mention, style="B")
    pdf.ln(4)


def _terms(pdf: _Document, invoice: Invoice) -> None:
    if not invoice.is_credit_note:
        pdf.write_text(
            _(
                "Payment due within %(days)d days, by %(date)s.",
                days=invoice.payment_terms_days,
                date=date_text(invoice.due_date),
            )
        )
    _transfer(pdf, invoice)
    if invoice.late_payment_text:
        pdf.write_text(invoice.late_payment_text, size=7, height=3.5)


def _transfer(pdf: _Document, invoice: Invoice) -> None:
    """How to pay by bank transfer (the lab's current bank details; not part of the hash)."""
    from fablab.billing.settings import get_billing_settings

    settings = get_billing_settings()
    if invoice.is_credit_note or not settings.bank_iban:
        return
    pdf.write_text(
        _(
            "Bank transfer: IBAN %(iban)s, BIC %(bic)s, reference %(number)s.",
            iban=settings.bank_iban,
            bic=settings.bank_bic or "-",
            number=invoice.number,
        )
    )
