"""Plain-text forms of amounts, quantities, rates and dates, for PDF and CSV.

French conventions (the invoice's legal language): 1 234,50 €, 20 %, 31/10/2026.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _


def euros(cents: int) -> str:
    """-123456 -> '-1 234,56 €' (a plain space, drawable by any font)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{rest:02d} €"


def decimal_text(value_milli: int) -> str:
    """Thousandths as a decimal without trailing zeros: 1500 -> '1,5', -2000 -> '-2'."""
    sign = "-" if value_milli < 0 else ""
    whole, rest = divmod(abs(int(value_milli)), 1000)
    fraction = f"{rest:03d}".rstrip("0")
    return f"{sign}{whole}" + (f",{fraction}" if fraction else "")


def quantity_text(quantity_milli: int, unit: str) -> str:
    """The PDF's fixed French form; pages and mails use ``fablab.formatting.quantity_with_unit``."""
    unit_label = {"unit": "", "gram": "g", "m2": "m²", "sheet": "plaque(s)", "none": ""}.get(
        unit, f"× {unit}"
    )
    return f"{decimal_text(quantity_milli)} {unit_label}".strip()


def rate_text(rate_bp: int) -> str:
    """2000 -> '20 %', 550 -> '5,5 %' (a no-break space before %, as French writes it)."""
    return f"{decimal_text(rate_bp * 10)}\u00a0%"


def date_text(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def seller_lines(invoice) -> list[str]:
    """The seller's identity as printed: legal name, form, capital, address, numbers."""
    name = invoice.seller_legal_name or invoice.seller_name
    if invoice.seller_legal_form:
        name = f"{name}, {invoice.seller_legal_form}"
    lines = [name]
    if invoice.seller_share_capital:
        lines.append(_("Share capital: %(capital)s", capital=invoice.seller_share_capital))
    lines.append(invoice.seller_address)
    if invoice.seller_siret:
        lines.append(_("SIRET: %(siret)s", siret=invoice.seller_siret))
    if invoice.seller_registration:
        lines.append(invoice.seller_registration)
    if invoice.seller_vat_number:
        lines.append(_("VAT number: %(number)s", number=invoice.seller_vat_number))
    lines.append(invoice.seller_email)
    return [line for line in lines if line]


def service_text(invoice) -> str:
    """The date or period of the service (a mandatory mention)."""
    if invoice.period:
        return _("Service period: %(period)s", period=invoice.period)
    dates = invoice.service_dates
    if dates is None:
        return ""
    if dates[0] == dates[1]:
        return _("Service date: %(date)s", date=date_text(dates[0]))
    return _(
        "Service period: %(start)s - %(end)s", start=date_text(dates[0]), end=date_text(dates[1])
    )
