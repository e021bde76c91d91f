"""PDF of a quote (devis) with fpdf2, in the style of the invoices (fablab/billing/pdf.py)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from fablab.billing.pdf import ENCODING, pdf_text
from fablab.billing.text import date_text, euros, quantity_text, rate_text
from fablab.machines.settings import get_settings
from fablab.machines.zone import to_local
from fablab.payments.offer_models import Quote
from fablab.payments.quotes import totals


class _QuoteDocument(FPDF):
    def __init__(self, quote: Quote):
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self.quote = quote
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(15, 15, 15)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", size=7)
        self.cell(0, 5, pdf_text(f"{self.quote.number} - {self.page_no()}"), align="C")

    def write_text(self, text: str, size: int = 9, style: str = "", height: float = 4.5) -> None:
        self.set_font("helvetica", style=style, size=size)
        self.multi_cell(0, height, pdf_text(text), new_x="LMARGIN", new_y="NEXT")


def quote_pdf(quote: Quote, locale: str = "fr") -> bytes:
    """The PDF bytes of a sent quote (French by default)."""
    with force_locale(locale):
        pdf = _QuoteDocument(quote)
        pdf.add_page()
        _header(pdf, quote)
        _lines(pdf, quote)
        _footer_text(pdf, quote)
        return bytes(pdf.output())


def _header(pdf: _QuoteDocument, quote: Quote) -> None:
    lab = get_settings()
    seller = [lab.legal_name or lab.name, lab.address or ""]
    if lab.siret:
        seller.append(_("SIRET: %(siret)s", siret=lab.siret))
    if lab.vat_number:
        seller.append(_("VAT number: %(number)s", number=lab.vat_number))
    seller.append(lab.email or "")
    pdf.write_text(lab.name or "", size=14, style="B", height=7)
    pdf.write_text("\n".join(s for s in seller if s))
    pdf.ln(4)
    pdf.write_text(f"{_('Quote')} {quote.number}", size=16, style="B", height=8)
    facts = [_("Date: %(date)s", date=date_text(to_local(quote.sent_at).date()))]
    if quote.valid_until:
        facts.append(_("Valid until: %(date)s", date=date_text(quote.valid_until)))
    pdf.write_text("\n".join(facts))
    pdf.ln(3)
    buyer = [quote.company_name, quote.company_address, quote.contact_name, quote.contact_email]
    if quote.company_siret:
        buyer.append(_("SIRET: %(siret)s", siret=quote.company_siret))
    pdf.write_text(_("For"), style="B")
    pdf.write_text("\n".join(b for b in buyer if b))
    pdf.ln(4)


def _lines(pdf: _QuoteDocument, quote: Quote) -> None:
    pdf.set_font("helvetica", size=8)
    headings = (_("Description"), _("Quantity"), _("Unit price excl. VAT"), _("Total excl. VAT"))
    with pdf.table(col_widths=(50, 14, 16, 16), text_align=("LEFT",) + ("RIGHT",) * 3) as table:
        row = table.row()
        for heading in headings:
            row.cell(pdf_text(heading))
        for line in quote.lines:
            row = table.row()
            for value in (
                line.description,
                quantity_text(line.quantity_milli, line.unit),
                euros(line.unit_price_cents),
                euros(line.amount_cents),
            ):
                row.cell(pdf_text(value))
    pdf.ln(3)
    excl, vat, incl = totals(quote)
    for label, cents, style in (
        (_("Total excl. VAT"), excl, ""),
        (f"{_('VAT')} {rate_text(quote.vat_rate_bp)}", vat, ""),
        (_("Total incl. VAT"), incl, "B"),
    ):
        pdf.set_font("helvetica", style=style, size=10)
        pdf.cell(140, 6, pdf_text(label), align="R")
        pdf.cell(0, 6, pdf_text(euros(cents)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _footer_text(pdf: _QuoteDocument, quote: Quote) -> None:
    if quote.deposit_percent:
        pdf.write_text(
            _(
                "A deposit of %(percent)d %% is invoiced on acceptance.",
                percent=quote.deposit_percent,
            )
        )
    if quote.notes:
        pdf.write_text(quote.notes)
    if quote.answered_at and quote.status in ("accepted", "invoiced"):
        pdf.write_text(
            _(
                "Accepted online by %(name)s on %(date)s (IP %(ip)s).",
                name=quote.answered_by_name,
                date=date_text(to_local(quote.answered_at).date()),
                ip=quote.answered_ip,
            ),
            style="B",
        )
    else:
        pdf.write_text(_("To accept this quote, use the link in the e-mail that brought it."))
