"""Double-entry journal entries built from the issued documents and the payments.

Sales (VE): an invoice debits the customer (411, an auxiliary account per customer)
with the total incl. VAT and credits revenue per kind and VAT per rate; a credit note
does the opposite. VAT on services paid on receipt goes to the pending VAT account
until paid. Receipts (BQ for bank, cheques, cards and Stripe; CA for cash): the
payment account is debited and the customer credited; the VAT the payment makes due
moves from the pending account to the rate's account. Every entry balances.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fablab.billing.accounting.chart import Chart
from fablab.billing.accounting.receipts import payment_shares
from fablab.billing.models import Invoice, Payment, PaymentMethod
from fablab.billing.settings import get_billing_settings
from fablab.billing.vat import is_goods
from fablab.extensions import db
from fablab.machines.zone import to_local

JOURNALS = {"VE": "Journal des ventes", "BQ": "Journal de banque", "CA": "Journal de caisse"}
METHOD_NAMES = {
    "cash": "espèces",
    "card": "carte bancaire",
    "transfer": "virement",
    "cheque": "chèque",
    "stripe": "paiement en ligne",
}


@dataclass
class Posting:
    account: str
    account_label: str
    debit: int
    credit: int
    aux_num: str = ""
    aux_label: str = ""


@dataclass
class Entry:
    journal: str
    date: date
    piece_ref: str
    piece_date: date
    label: str
    valid_date: date
    postings: list[Posting] = field(default_factory=list)

    @property
    def journal_label(self) -> str:
        return JOURNALS[self.journal]

    @property
    def debit(self) -> int:
        return sum(p.debit for p in self.postings)

    @property
    def credit(self) -> int:
        return sum(p.credit for p in self.postings)

    def post(self, chart: Chart, account: str, amount: int, credit_side: bool, **aux) -> None:
        """Post ``amount`` on its natural side; a negative amount goes to the other side."""
        if amount == 0:
            return
        if amount < 0:
            amount, credit_side = -amount, not credit_side
        debit, credit = (0, amount) if credit_side else (amount, 0)
        self.postings.append(Posting(account, chart.label(account), debit, credit, **aux))


def customer_aux(invoice: Invoice) -> dict:
    code = f"C{invoice.company_id:06d}" if invoice.company_id else f"P{invoice.user_id:06d}"
    return {"aux_num": code, "aux_label": invoice.buyer_name}


def document_entry(invoice: Invoice, chart: Chart) -> Entry:
    entry = Entry(
        "VE",
        invoice.issue_date,
        invoice.number,
        invoice.issue_date,
        f"{invoice.number} {invoice.buyer_name}"[:200],
        invoice.issue_date,
    )
    entry.post(chart, chart.customers, invoice.total_incl_cents, False, **customer_aux(invoice))
    revenue: dict[str, int] = defaultdict(int)
    vat: dict[str, int] = defaultdict(int)
    for line in invoice.lines:
        revenue[chart.revenue(line.kind)] += line.amount_excl_cents
        on_receipt = not invoice.vat_on_debits and not is_goods(line.kind)
        account = chart.vat_pending if on_receipt else chart.vat(line.vat_rate_bp)
        vat[account] += line.vat_cents
    for account, amount in sorted(revenue.items()):
        entry.post(chart, account, amount, True)
    for account, amount in sorted(vat.items()):
        entry.post(chart, account, amount, True)
    return entry


def payment_entry(payment: Payment, chart: Chart) -> Entry:
    invoice = payment.invoice
    journal = "CA" if payment.method == PaymentMethod.CASH else "BQ"
    recorded = to_local(payment.created_at).date()
    method = METHOD_NAMES.get(payment.method, payment.method)
    entry = Entry(
        journal,
        payment.received_on,
        invoice.number,
        payment.received_on,
        f"Règlement {invoice.number} {invoice.buyer_name} ({method})"[:200],
        max(recorded, payment.received_on),
    )
    entry.post(chart, chart.payment(payment.method), payment.amount_cents, False)
    entry.post(chart, chart.customers, payment.amount_cents, True, **customer_aux(invoice))
    for rate, (_base, vat) in sorted(payment_shares(payment).items()):
        entry.post(chart, chart.vat_pending, vat, False)
        entry.post(chart, chart.vat(rate), vat, True)
    return entry


def entries_between(start: date, end: date) -> list[Entry]:
    """Every entry dated between two local dates (inclusive), in date then journal order."""
    chart = Chart.from_text(get_billing_settings().chart_of_accounts)
    documents = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.issue_date >= start, Invoice.issue_date <= end)
        .order_by(Invoice.chain_seq)
        .options(selectinload(Invoice.lines))
    ).all()
    payments = db.session.scalars(
        sa.select(Payment)
        .where(Payment.received_on >= start, Payment.received_on <= end)
        .order_by(Payment.received_on, Payment.id)
        .options(selectinload(Payment.invoice).selectinload(Invoice.lines))
    ).all()
    entries = [document_entry(d, chart) for d in documents]
    entries += [payment_entry(p, chart) for p in payments]
    entries = [e for e in entries if e.postings]
    order = list(JOURNALS)
    entries.sort(key=lambda e: (e.date, order.index(e.journal)))
    return entries
