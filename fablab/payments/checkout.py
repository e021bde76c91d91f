"""Starting a Stripe Checkout, and settling what it paid on an invoice.

A purchase is always *held first* (a ``held`` booking, a seat, an invoice's
amount), then :func:`start_checkout` writes a ``CheckoutRecord`` and creates the
Stripe Checkout Session with our reference in its metadata, in that order and
before the customer is redirected: the webhook always finds what it pays for.
The edge commits, then redirects to ``record.url``.

Once paid, a purpose's ``on_paid`` calls :func:`settle_invoice` to issue the
invoice through the billing services (gapless numbers and hash chain untouched)
and to record the Stripe payment against it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Company, User
from fablab.billing import pricing
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import Charge, Invoice, PaymentMethod
from fablab.billing.payments import balance_of, record_payment
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.payments.models import CheckoutRecord, CheckoutStatus
from fablab.payments.purposes import get_purpose
from fablab.timeutil import utcnow

#: Stripe refuses a Checkout Session expiring sooner than 30 minutes after creation.
SESSION_MINUTES = 30


class StripeNotConfigured(DomainError):
    status = 409
    code = "payments_unavailable"

    def default_message(self):
        return _l("Card payment is not available: pay at the desk or by bank transfer.")


class PaymentProviderError(DomainError):
    status = 409
    code = "payments_unavailable"

    def default_message(self):
        return _l("The payment service did not answer. Nothing was charged; try again later.")


def stripe_enabled() -> bool:
    """True when the Stripe keys are configured (otherwise card buttons are hidden)."""
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def stripe_client() -> stripe.StripeClient:
    """A Stripe client from the app's config (``STRIPE_API_BASE``: a local fake in tests)."""
    if not stripe_enabled():
        raise StripeNotConfigured()
    config = current_app.config
    base = config.get("STRIPE_API_BASE") or ""
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base.rstrip("/")} if base else None,
        max_network_retries=2,
    )


def amount_incl_vat(charges: list[Charge]) -> int:
    """What an invoice of these charges will total, VAT included (the amount to charge)."""
    return pricing.document_totals([(c.amount_cents, c.vat_rate_bp) for c in charges]).incl_cents


def _session_params(record: CheckoutRecord, *, user: User, success_url: str, cancel_url: str):
    metadata = {
        "fablab_checkout_id": str(record.id),
        "purpose": record.purpose,
        "reference_id": str(record.reference_id),
    }
    return {
        "mode": "payment",
        "client_reference_id": str(record.id),
        "customer_email": user.email,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": record.currency,
                    "unit_amount": record.amount_cents,
                    "product_data": {"name": record.description},
                },
            }
        ],
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "expires_at": int(record.expires_at.timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }


def start_checkout(
    *,
    purpose: str,
    reference_id: int,
    amount_cents: int,
    description: str,
    user: User,
    company: Company | None = None,
    success_url: str,
    cancel_url: str,
    now: datetime | None = None,
) -> CheckoutRecord:
    """Record the purchase and create its Stripe Checkout Session; returns the record (``.url``).

    ``amount_cents`` is VAT included. Raises StripeNotConfigured without keys and
    PaymentProviderError when Stripe refuses or does not answer (the caller's
    transaction is then rolled back by the edge: nothing is held). Only flushes.
    """
    get_purpose(purpose)  # UnknownPurpose before anything is written
    if amount_cents <= 0:
        raise DomainError(_l("Nothing to pay."))
    client = stripe_client()
    now = now or utcnow()
    record = CheckoutRecord(
        purpose=purpose,
        reference_id=reference_id,
        user_id=user.id,
        company_id=company.id if company else None,
        amount_cents=amount_cents,
        description=description.strip()[:300] or purpose,
        created_at=now,
        expires_at=now + timedelta(minutes=SESSION_MINUTES, seconds=30),
    )
    db.session.add(record)
    db.session.flush()
    params = _session_params(record, user=user, success_url=success_url, cancel_url=cancel_url)
    try:
        session = client.v1.checkout.sessions.create(
            params=params,
            options={"idempotency_key": f"fablab-checkout-{record.id}-{uuid.uuid4().hex}"},
        )
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe refused a Checkout Session: %s", error)
        raise PaymentProviderError() from error
    record.stripe_session_id = session.id
    record.url = session.url or ""
    db.session.flush()
    return record


def open_checkout_for(purpose: str, reference_id: int) -> CheckoutRecord | None:
    """The pending Checkout of a purchase, if one is under way (to send the customer back to it)."""
    return db.session.scalar(
        sa.select(CheckoutRecord)
        .where(
            CheckoutRecord.purpose == purpose,
            CheckoutRecord.reference_id == reference_id,
            CheckoutRecord.status == CheckoutStatus.PENDING.value,
        )
        .order_by(CheckoutRecord.id.desc())
        .limit(1)
    )


def record_stripe_payment(record: CheckoutRecord, invoice: Invoice) -> None:
    """Record the Checkout's money against an invoice (at most what is still due) and link them."""
    due = balance_of(invoice).due_cents
    amount = min(record.amount_cents, due)
    if amount > 0:
        record_payment(
            invoice=invoice,
            amount_cents=amount,
            method=PaymentMethod.STRIPE.value,
            received_on=to_local(record.paid_at or utcnow()).date(),
            reference=record.payment_intent_id or record.stripe_session_id or "",
        )
    record.invoice_id = invoice.id
    db.session.flush()


def settle_invoice(record: CheckoutRecord, *, charges: list[Charge]) -> Invoice:
    """Issue the invoice for ``charges`` to the record's payer and record the Stripe payment.

    The invoice goes to the record's company when it has one, otherwise to its
    user; the charges must belong to that payer. Uses the billing services
    (``issue_invoice``, ``record_payment``): numbering and the hash chain are
    theirs. Links the invoice to the record. Only flushes.
    """
    company = record.company
    invoice = issue_invoice(
        charges=charges,
        user=None if company is not None else record.user,
        company=company,
    )
    record_stripe_payment(record, invoice)
    return invoice
