"""Payments received and what is still due; reminders for unpaid invoices.

An invoice's status is computed, never stored on it: paid = sum of payments,
credited = sum of its credit notes, due = total incl. VAT - credited - paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.billing.invoices import credited_cents
from fablab.billing.models import DocType, Invoice, InvoiceReminder, Payment, PaymentMethod
from fablab.billing.numbering import lock_chain
from fablab.billing.payment_chain import chain_payment
from fablab.billing.periods import check_open
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow


class PaymentError(DomainError):
    status = 422
    code = "invalid"


def paid_cents(invoice: Invoice) -> int:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == invoice.id
        )
    )
    return int(total or 0)


@dataclass(frozen=True)
class Balance:
    total_cents: int
    credited_cents: int
    paid_cents: int

    @property
    def due_cents(self) -> int:
        return max(self.total_cents - self.credited_cents - self.paid_cents, 0)

    @property
    def status(self) -> str:
        if self.credited_cents >= self.total_cents and self.total_cents > 0:
            return "cancelled"
        if self.due_cents == 0:
            return "paid"
        return "partly_paid" if self.paid_cents else "unpaid"


def balance_of(invoice: Invoice) -> Balance:
    return Balance(invoice.total_incl_cents, credited_cents(invoice), paid_cents(invoice))


def record_payment(
    *,
    invoice: Invoice,
    amount_cents: int,
    method: str,
    received_on: date | None = None,
    reference: str = "",
    recorded_by: User | None = None,
) -> Payment:
    """Record money received for an invoice (never more than what is still due)."""
    if invoice.doc_type != DocType.INVOICE:
        raise PaymentError(_l("Payments are recorded on invoices, not credit notes."))
    if method not in {m.value for m in PaymentMethod}:
        raise PaymentError(_l("Unknown payment method."), field="method")
    if amount_cents <= 0:
        raise PaymentError(_l("The amount must be positive."), field="amount")
    received_on = received_on or to_local(utcnow()).date()
    check_open(received_on, field="received_on")
    lock_chain()  # one writer of money at a time: the payment chain never forks
    if amount_cents > balance_of(invoice).due_cents:
        raise PaymentError(_l("The amount is more than what is due."), field="amount")
    payment = Payment(
        invoice_id=invoice.id,
        amount_cents=amount_cents,
        method=method,
        received_on=received_on,
        reference=reference.strip()[:200],
        recorded_by_id=recorded_by.id if recorded_by else None,
        created_at=utcnow(),
    )
    chain_payment(payment, invoice)
    db.session.add(payment)
    db.session.flush()
    return payment


def unpaid_invoices() -> list[tuple[Invoice, Balance]]:
    """Invoices with money still due, oldest due date first."""
    invoices = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.doc_type == DocType.INVOICE.value, Invoice.total_incl_cents > 0)
        .order_by(Invoice.due_date, Invoice.chain_seq)
    ).all()
    rows = [(invoice, balance_of(invoice)) for invoice in invoices]
    return [(invoice, balance) for invoice, balance in rows if balance.due_cents > 0]


def last_reminder(invoice: Invoice) -> InvoiceReminder | None:
    return db.session.scalar(
        sa.select(InvoiceReminder)
        .where(InvoiceReminder.invoice_id == invoice.id)
        .order_by(InvoiceReminder.sent_at.desc())
        .limit(1)
    )


def reminders_sent(invoice: Invoice) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count(InvoiceReminder.id)).where(
                InvoiceReminder.invoice_id == invoice.id
            )
        )
        or 0
    )


def send_reminder(*, invoice: Invoice, sent_by: User | None = None) -> InvoiceReminder:
    """E-mail a payment reminder (sent after commit) and keep a trace of it."""
    from fablab.billing.mails import queue_reminder_mail

    balance = balance_of(invoice)
    if balance.due_cents <= 0:
        raise PaymentError(_l("Nothing is due on this invoice."))
    if not invoice.buyer_email:
        raise PaymentError(_l("This customer has no e-mail address."))
    queue_reminder_mail(invoice, balance.due_cents)
    reminder = InvoiceReminder(
        invoice_id=invoice.id,
        sent_to=invoice.buyer_email,
        sent_by_id=sent_by.id if sent_by else None,
    )
    db.session.add(reminder)
    db.session.flush()
    return reminder
