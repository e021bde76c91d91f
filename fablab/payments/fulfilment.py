"""Applying what Stripe tells us to our Checkout records, exactly once and in any order.

The webhook and the reconciliation job both end here, with the record locked:

- a *completed and paid* session marks the record paid and runs the purpose's
  ``on_paid``; a CannotFulfil undoes it, invoices the money received (an
  advance payment must be invoiced), credits that invoice, refunds the payment
  through Stripe and e-mails the customer why;
- an *expired* session releases what was held (``on_expired``), unless the
  record was paid meanwhile (a ``completed`` delivered after ``expired`` still
  pays: the purpose then confirms or refunds);
- a record already paid or refunded ignores both: replays change nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from fablab.billing import pricing
from fablab.billing.charges import add_charge
from fablab.billing.mails import queue_invoice_mail
from fablab.billing.models import ChargeKind
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.settings import get_settings
from fablab.payments import mails
from fablab.payments.checkout import settle_invoice
from fablab.payments.models import CheckoutRecord, CheckoutStatus
from fablab.payments.purposes import CannotFulfil, fulfil, release
from fablab.payments.refunds import refund_checkout

S = CheckoutStatus
#: statuses from which a payment is still applied (a late payment after expiry included)
PAYABLE = (S.PENDING.value, S.EXPIRED.value, S.FAILED.value)


def apply_session(record: CheckoutRecord, session: dict, *, now: datetime) -> str:
    """Apply a Checkout Session's state to its (locked) record; returns what it did."""
    if session.get("status") == "complete" and session.get("payment_status") == "paid":
        return mark_paid(record, payment_intent=session.get("payment_intent"), now=now)
    if session.get("status") == "expired":
        return mark_expired(record, now=now)
    return "ignored: still open"


def mark_paid(record: CheckoutRecord, *, payment_intent: str | None, now: datetime) -> str:
    if record.status not in PAYABLE:
        return f"ignored: already {record.status}"
    was = record.status
    record.status = S.PAID.value
    record.paid_at = now
    record.payment_intent_id = payment_intent or record.payment_intent_id
    db.session.flush()
    try:
        # A refusal's message is for the payer: in their language (invoice texts force their own).
        with force_locale(_payer_locale(record)), db.session.begin_nested():
            fulfil(record, now=now)
    except CannotFulfil as refusal:
        _refund_unfulfilled(record, refusal, now=now)
        return "refunded: " + refusal.message[:150]
    except DomainError as error:
        # Any other refusal (a rule, a state…) also means what was paid cannot be given:
        # never keep money without the purchase.
        current_app.logger.warning("checkout %s not fulfilled: %s", record.id, error.message)
        _refund_unfulfilled(record, CannotFulfil(error.message), now=now)
        return "refunded: " + error.message[:150]
    _mail_invoice(record)
    return "paid" if was == S.PENDING else f"paid after {was}"


def _mail_invoice(record: CheckoutRecord) -> None:
    """The invoice a payment issued goes to its buyer with its PDF (after commit)."""
    db.session.refresh(record)
    invoice = record.invoice
    if invoice is not None and invoice.issued_at >= record.created_at:  # issued for this payment
        queue_invoice_mail(invoice)


def _payer_locale(record: CheckoutRecord) -> str:
    if record.user is not None and record.user.locale:
        return record.user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _refund_unfulfilled(record: CheckoutRecord, refusal: CannotFulfil, *, now: datetime) -> None:
    db.session.refresh(record)
    record.note = refusal.message[:2000]
    bill = refusal.details.get("bill", True)
    if bill and record.invoice_id is None:
        _invoice_advance(record)
    refund_checkout(record=record, reason=refusal.message, automatic=True, credit=bill)
    mails.queue_refund_mail(record, explanation=refusal.message)


def _invoice_advance(record: CheckoutRecord) -> None:
    """Invoice the money received for what could not be given (then credited by the refund)."""
    rate = get_settings().vat_rate_bp
    excl = pricing.round_half_up(
        record.amount_cents * pricing.BASIS_POINTS, pricing.BASIS_POINTS + rate
    )
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        description = _("Payment received: %(what)s", what=record.description)
    charge = add_charge(
        kind=ChargeKind.OTHER.value,
        description=description,
        quantity_milli=pricing.MILLI,
        unit_price_cents=excl,
        vat_rate_bp=rate,
        source_type="checkout",
        source_id=record.id,
        user=record.user if record.company is None else None,
        company=record.company,
        occurred_at=record.paid_at,
    )
    settle_invoice(record, charges=[charge])


def mark_expired(record: CheckoutRecord, *, now: datetime) -> str:
    if record.status not in (S.PENDING.value, S.FAILED.value):
        return f"ignored: already {record.status}"
    record.status = S.EXPIRED.value
    db.session.flush()
    release(record, now=now)
    return "expired"


def mark_failed(record: CheckoutRecord, *, message: str) -> str:
    """A refused card: the customer may try again in the same session until it expires."""
    if record.status != S.PENDING:
        return f"ignored: already {record.status}"
    record.status = S.FAILED.value
    record.note = (message or "")[:2000]
    db.session.flush()
    return "failed"
