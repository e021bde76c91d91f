"""Closing the Checkouts of holds whose time is over: nobody pays for a released slot or seat.

A slot or seat is held for the lab's hold time (15 min by default), but Stripe
keeps a Checkout Session open at least 30 minutes. Once the hold time has
passed, the session is expired at Stripe (``/v1/checkout/sessions/{id}/expire``)
and the record applied as expired (the seat is released; a slot was already
released by the hold-expiry job). If the customer paid meanwhile, Stripe refuses
to expire it and the payment is applied instead (confirmed, re-booked, or refunded).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
import stripe
from flask import current_app

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.payments import fulfilment
from fablab.payments.checkout import stripe_client
from fablab.payments.models import CheckoutRecord, CheckoutStatus
from fablab.payments.records import lock_record
from fablab.payments.settings import get_payment_settings

#: purposes whose Checkout holds something (the others have nothing to release)
HOLDING_PURPOSES = ("slot", "registration")


def _close_at_stripe(record: CheckoutRecord, now: datetime) -> str:
    """Expire the session at Stripe; if it was paid meanwhile, apply the payment instead."""
    try:
        session = stripe_client().v1.checkout.sessions.expire(record.stripe_session_id)
    except stripe.InvalidRequestError:  # no longer open: completed (or expired) meanwhile
        session = stripe_client().v1.checkout.sessions.retrieve(record.stripe_session_id)
    return fulfilment.apply_session(record, session.to_dict(), now=now)


def close_expired_holds(*, now: datetime) -> int:
    """Close the Checkouts of holds older than the hold time. Returns how many were released."""
    hold = timedelta(minutes=get_payment_settings().hold_minutes)
    stale = db.session.scalars(
        sa.select(CheckoutRecord.id).where(
            CheckoutRecord.purpose.in_(HOLDING_PURPOSES),
            CheckoutRecord.status == CheckoutStatus.PENDING.value,
            CheckoutRecord.created_at <= now - hold,
        )
    ).all()
    released = 0
    for record_id in stale:
        record = lock_record(record_id)
        if record is None or record.status != CheckoutStatus.PENDING:
            continue
        try:
            with db.session.begin_nested():
                released += _close_at_stripe(record, now) == "expired"
        except (stripe.StripeError, DomainError) as error:
            current_app.logger.warning("hold %s not closed at Stripe: %s", record_id, error)
    return released
