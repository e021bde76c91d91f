"""Paying an issued invoice by card (purpose ``invoice``): the amount still due, through Checkout.

Nothing is held: the invoice exists already. Once paid, the Stripe payment is
recorded against it; if it was paid meanwhile (at the desk, by transfer, by a
second card payment) what is no longer due is refunded, without a credit note
since nothing was sold twice.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.billing.models import DocType, Invoice
from fablab.billing.payments import balance_of
from fablab.errors import DomainError, Forbidden
from fablab.extensions import db
from fablab.payments.checkout import open_checkout_for, record_stripe_payment, start_checkout
from fablab.payments.models import CheckoutRecord
from fablab.payments.purposes import CannotFulfil, register_purpose
from fablab.timeutil import utcnow

PURPOSE = "invoice"


def can_pay(user: User, invoice: Invoice) -> bool:
    """Who sees the invoice may pay it: its person, the contacts of its company, a manager."""
    if user.is_manager:
        return True
    if invoice.company_id is not None:
        return user.company_id == invoice.company_id and user.is_company_contact
    return invoice.user_id == user.id


def pay_invoice_by_card(
    *, invoice: Invoice, user: User, success_url: str, cancel_url: str
) -> CheckoutRecord:
    """A Checkout for what is still due on ``invoice`` (the open one again if under way)."""
    if not can_pay(user, invoice):
        raise Forbidden()
    if invoice.doc_type != DocType.INVOICE:
        raise DomainError(_l("A credit note is not paid."))
    due = balance_of(invoice).due_cents
    if due <= 0:
        raise DomainError(_l("Nothing is due on this invoice."))
    pending = open_checkout_for(PURPOSE, invoice.id)
    if pending is not None and pending.amount_cents == due and pending.expires_at > utcnow():
        return pending
    return start_checkout(
        purpose=PURPOSE,
        reference_id=invoice.id,
        amount_cents=due,
        description=_("Invoice %(number)s", number=invoice.number),
        user=user,
        company=invoice.company,
        success_url=success_url,
        cancel_url=cancel_url,
    )


def on_paid(record: CheckoutRecord, *, now: datetime) -> None:
    from fablab.payments.refunds import refund_checkout

    invoice = db.session.get(Invoice, record.reference_id)
    if invoice is None:
        raise CannotFulfil(_("This invoice no longer exists."), bill=False)
    due = balance_of(invoice).due_cents
    if due <= 0:
        raise CannotFulfil(
            _("Invoice %(number)s had already been paid.", number=invoice.number), bill=False
        )
    record_stripe_payment(record, invoice)
    if record.amount_cents > due:
        refund_checkout(
            record=record,
            amount_cents=record.amount_cents - due,
            reason=_("Paid beyond what was due on %(number)s", number=invoice.number),
            automatic=True,
            credit=False,
        )


def on_expired(record: CheckoutRecord, *, now: datetime) -> None:
    """Nothing was held for an invoice."""


register_purpose(PURPOSE, on_paid=on_paid, on_expired=on_expired)
