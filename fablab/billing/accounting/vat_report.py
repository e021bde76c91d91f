"""The VAT due for a period, per rate, and the boxes of the CA3 return it fills.

Goods and services on the débits option: VAT due on the document's date (credit
notes deduct). Services otherwise: VAT due on payment (art. 269-2-c du CGI), the
share each payment makes due (``receipts.payment_shares``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fablab.billing.accounting.receipts import payment_shares
from fablab.billing.models import Invoice, Payment
from fablab.billing.vat import is_goods
from fablab.extensions import db

# CA3 (formulaire 3310-CA3) lines for the rates of metropolitan France.
CA3_LINES = {2000: "08", 1000: "9B", 550: "09", 210: "11"}


@dataclass
class VatRow:
    month: str
    vat_rate_bp: int
    base_cents: int = 0
    vat_cents: int = 0

    @property
    def incl_cents(self) -> int:
        return self.base_cents + self.vat_cents

    @property
    def ca3_line(self) -> str:
        return CA3_LINES.get(self.vat_rate_bp, "") if self.vat_rate_bp else ""


def _add(rows: dict, month: str, rate: int, base: int, vat: int) -> None:
    row = rows.setdefault((month, rate), VatRow(month, rate))
    row.base_cents += base
    row.vat_cents += vat


def vat_rows(start: date, end: date, by_month: bool = True) -> list[VatRow]:
    """Base and VAT due per (month and) rate between two dates (inclusive)."""
    rows: dict[tuple[str, int], VatRow] = {}
    documents = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.issue_date >= start, Invoice.issue_date <= end)
        .options(selectinload(Invoice.lines))
    ).all()
    for document in documents:
        month = document.issue_date.strftime("%Y-%m") if by_month else ""
        for line in document.lines:
            if document.vat_on_debits or is_goods(line.kind):
                _add(rows, month, line.vat_rate_bp, line.amount_excl_cents, line.vat_cents)
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.received_on >= start, Payment.received_on <= end)
    ).all()
    for payment in payments:
        month = payment.received_on.strftime("%Y-%m") if by_month else ""
        for rate, (base, vat) in payment_shares(payment).items():
            _add(rows, month, rate, base, vat)
    return [rows[key] for key in sorted(rows, key=lambda k: (k[0], -k[1]))]


def ca3_boxes(start: date, end: date) -> dict[str, tuple[int, int]]:
    """{CA3 line: (base, VAT)} for the period; exempt sales (rate 0) under 'E'."""
    boxes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in vat_rows(start, end, by_month=False):
        line = row.ca3_line or ("E" if row.vat_rate_bp == 0 else f"{row.vat_rate_bp / 100:g} %")
        boxes[line][0] += row.base_cents
        boxes[line][1] += row.vat_cents
    return {line: (base, vat) for line, (base, vat) in boxes.items()}
