"""Asking Stripe about one Checkout (the customer is back from the payment page).

The webhook usually arrives first; when it is late (or, in local development,
not forwarded) the return page asks Stripe for the session and applies it
exactly as the webhook would, under the record's lock.
"""

from __future__ import annotations

from datetime import datetime

import stripe
from flask import current_app

from fablab.payments import fulfilment
from fablab.payments.checkout import stripe_client, stripe_enabled
from fablab.payments.models import CheckoutRecord
from fablab.payments.records import lock_record


def sync_record(record: CheckoutRecord, *, now: datetime) -> str:
    """Apply the current state of the record's session; "unchanged" when there is nothing new."""
    if not stripe_enabled() or not record.stripe_session_id:
        return "unchanged"
    if record.status not in fulfilment.PAYABLE:
        return "unchanged"
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(record.stripe_session_id)
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe did not answer about %s: %s", record.id, error)
        return "unchanged"
    locked = lock_record(record.id)
    if locked is None or locked.status not in fulfilment.PAYABLE:
        return "unchanged"
    return fulfilment.apply_session(locked, session.to_dict(), now=now)
