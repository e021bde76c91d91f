"""Giving money back: a Stripe refund and, when the payment was invoiced, a credit note, linked.

A refund is written first (its id makes Stripe's idempotency key), then the
credit note is issued through the billing services, then Stripe is asked. If
Stripe refuses, the caller's transaction rolls back and nothing is recorded.
A refund made outside the app (Stripe dashboard) arrives as ``charge.refunded``
and is recorded by :func:`record_external_refund`.
"""

from __future__ import annotations

import uuid

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.billing import pricing
from fablab.billing.invoices import credited_cents, issue_credit_note
from fablab.billing.models import Invoice
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.settings import get_settings
from fablab.payments.checkout import PaymentProviderError, stripe_client
from fablab.payments.models import CheckoutRecord, CheckoutStatus, Refund


class RefundError(DomainError):
    status = 422
    code = "invalid"


def _credit(invoice: Invoice, amount_cents: int, reason: str, by: User | None) -> Invoice | None:
    """A credit note for ``amount_cents`` (VAT incl.) of an invoice: whole when it is all of it."""
    already = credited_cents(invoice)
    creditable = invoice.total_incl_cents - already
    if creditable <= 0:
        return None
    if already == 0 and amount_cents >= invoice.total_incl_cents:
        return issue_credit_note(invoice=invoice, reason=reason, issued_by=by)
    rates = {line.vat_rate_bp for line in invoice.lines}
    rate = rates.pop() if len(rates) == 1 else get_settings().vat_rate_bp
    amount = min(amount_cents, creditable)
    excl = pricing.round_half_up(amount * pricing.BASIS_POINTS, pricing.BASIS_POINTS + rate)
    return issue_credit_note(invoice=invoice, reason=reason, amount_excl_cents=excl, issued_by=by)


def refund_checkout(
    *,
    record: CheckoutRecord,
    amount_cents: int | None = None,
    reason: str,
    by: User | None = None,
    automatic: bool = False,
    credit: bool = True,
) -> Refund:
    """Refund a paid Checkout (whole without an amount, or part of it) through Stripe.

    Issues a credit note for the refunded amount when the payment is on an
    invoice (``credit=False``: an overpayment that was never invoiced). Only flushes.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RefundError(_l("Give the reason for the refund."), field="reason")
    refundable = record.refundable_cents
    amount = refundable if amount_cents is None else amount_cents
    if refundable <= 0:
        raise RefundError(_l("Nothing is left to refund on this payment."))
    if amount <= 0 or amount > refundable:
        raise RefundError(_l("The amount must be between 0 and what was paid."), field="amount")
    if not record.payment_intent_id:
        raise RefundError(_l("Stripe gave no payment reference for this payment."))
    refund = Refund(checkout=record, amount_cents=amount, reason=reason[:2000], automatic=automatic)
    refund.created_by_id = by.id if by else None
    db.session.add(refund)
    db.session.flush()
    if credit and record.invoice is not None:
        refund.credit_note = _credit(record.invoice, amount, reason, by)
    refund.stripe_refund_id = _stripe_refund(record, refund)
    _count(record, amount)
    return refund


def _stripe_refund(record: CheckoutRecord, refund: Refund) -> str:
    try:
        answer = stripe_client().v1.refunds.create(
            params={
                "payment_intent": record.payment_intent_id,
                "amount": refund.amount_cents,
                "metadata": {
                    "fablab_checkout_id": str(record.id),
                    "fablab_refund_id": str(refund.id),
                },
            },
            options={"idempotency_key": f"fablab-refund-{refund.id}-{uuid.uuid4().hex}"},
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused a refund: %s", error)
        raise PaymentProviderError(
            _l("Stripe refused the refund: %(message)s", message=error.user_message or "")
        ) from error
    return answer.id


def _count(record: CheckoutRecord, amount: int) -> None:
    record.refunded_cents = (record.refunded_cents or 0) + amount
    if record.refunded_cents >= record.amount_cents:
        record.status = CheckoutStatus.REFUNDED.value
    db.session.flush()


def record_external_refund(
    *, record: CheckoutRecord, amount_refunded: int, refund_id: str | None
) -> Refund | None:
    """``charge.refunded``: record what Stripe refunded beyond what we already know of."""
    missing = min(amount_refunded, record.amount_cents) - (record.refunded_cents or 0)
    if missing <= 0:
        return None
    reason = str(_l("Refunded from the Stripe dashboard"))
    refund = Refund(checkout=record, amount_cents=missing, reason=reason, automatic=False)
    if (
        refund_id
        and db.session.scalar(db.select(Refund.id).where(Refund.stripe_refund_id == refund_id))
        is None
    ):
        refund.stripe_refund_id = refund_id
    db.session.add(refund)
    db.session.flush()
    if record.invoice is not None:
        refund.credit_note = _credit(record.invoice, missing, reason, None)
    _count(record, missing)
    return refund
