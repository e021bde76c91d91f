"""Accounting exports: the journal of invoices and credit notes, the VAT summary per month.

Amounts in CSV are decimal euros with a dot (``12.50``), one row per document,
credit notes negative, so a spreadsheet sums them directly.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from fablab.billing.accounting.vat_report import VatRow, vat_rows
from fablab.billing.invoices import issue_date_range
from fablab.billing.models import Invoice
from fablab.spreadsheets import safe_row


def _decimal(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _customer(invoice: Invoice) -> str:
    return invoice.buyer_name


def journal_csv(start: date, end: date) -> str:
    """date, number, type, customer, excl. VAT, VAT, incl. VAT, credited invoice."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["date", "number", "type", "customer", "excl_vat", "vat", "incl_vat", "credits"]
    )
    for invoice in issue_date_range(start, end):
        writer.writerow(
            safe_row(
                [
                    invoice.issue_date.isoformat(),
                    invoice.number,
                    invoice.doc_type,
                    _customer(invoice),
                    _decimal(invoice.total_excl_cents),
                    _decimal(invoice.total_vat_cents),
                    _decimal(invoice.total_incl_cents),
                    invoice.credited_invoice.number if invoice.credited_invoice else "",
                ]
            )
        )
    return out.getvalue()


def vat_summary(start: date, end: date) -> list[VatRow]:
    """Base and VAT due per month and rate: on the document for goods and the débits
    option, on payment for services otherwise (fablab/billing/accounting/vat_report.py)."""
    return vat_rows(start, end)


def vat_summary_csv(start: date, end: date) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "vat_rate_percent", "base_excl_vat", "vat", "incl_vat", "ca3_line"])
    for row in vat_summary(start, end):
        writer.writerow(
            [
                row.month,
                _decimal(row.vat_rate_bp),
                _decimal(row.base_cents),
                _decimal(row.vat_cents),
                _decimal(row.incl_cents),
                row.ca3_line,
            ]
        )
    return out.getvalue()
