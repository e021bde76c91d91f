"""Stripe events: signature checked, stored once, applied once, in any order.

An event is stored in the same transaction that applies it; its id is unique,
so a duplicate delivery (or a replay, or two deliveries racing) finds it and
changes nothing. Events that are not about our Checkouts are stored and ignored.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.payments import fulfilment
from fablab.payments.checkout import StripeNotConfigured, stripe_enabled
from fablab.payments.models import StripeEvent
from fablab.payments.records import is_ours, record_for_payment_intent, record_for_session
from fablab.payments.refunds import record_external_refund

#: Stripe's default: a signature older than this is refused (replayed captures).
TOLERANCE_SECONDS = 300


class BadSignature(DomainError):
    status = 400
    code = "bad_signature"

    def default_message(self):
        return _l("The Stripe signature is missing, wrong or too old.")


class NotYetKnown(DomainError):
    """Our reference for a Checkout we have not committed yet: Stripe will retry."""

    status = 409
    code = "conflict"


def verify(payload: bytes, signature: str | None) -> dict:
    """The event, once its ``Stripe-Signature`` is checked against STRIPE_WEBHOOK_SECRET."""
    if not stripe_enabled():
        raise StripeNotConfigured()
    try:
        stripe.Webhook.construct_event(
            payload,
            signature or "",
            current_app.config["STRIPE_WEBHOOK_SECRET"],
            tolerance=TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError):
        raise BadSignature() from None
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise BadSignature()
    return event


def _store(event: dict, now: datetime) -> StripeEvent | None:
    """Insert the event row; None when it was already stored (a duplicate)."""
    row = StripeEvent(
        event_id=str(event["id"])[:255], type=str(event["type"])[:80], received_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None
    return row


def already_applied(event_id: str) -> bool:
    return (
        db.session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == event_id))
        is not None
    )


def apply_event(event: dict, *, now: datetime) -> str:
    """Apply a verified event once; returns what it did ("duplicate" the second time)."""
    row = _store(event, now)
    if row is None:
        return "duplicate"
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    obj = obj if isinstance(obj, dict) else {}
    kind = event["type"]
    if kind in (
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.async_payment_succeeded",
    ):
        record = record_for_session(obj)
        outcome = _checkout_outcome(record, obj, now) if record else _unknown(obj)
    elif kind == "charge.refunded":
        record = record_for_payment_intent(obj.get("payment_intent"), obj.get("metadata"))
        outcome = _refunded(record, obj) if record else "ignored: not ours"
    elif kind == "payment_intent.payment_failed":
        record = record_for_payment_intent(obj.get("id"), obj.get("metadata"))
        message = ((obj.get("last_payment_error") or {}).get("message")) or ""
        outcome = fulfilment.mark_failed(record, message=message) if record else "ignored"
    else:
        record, outcome = None, "ignored: type not used"
    row.checkout_id = record.id if record else None
    row.applied_at = now
    row.outcome = outcome[:200]
    db.session.flush()
    return outcome


def _checkout_outcome(record, session: dict, now: datetime) -> str:
    return fulfilment.apply_session(record, session, now=now)


def _unknown(session: dict) -> str:
    if is_ours(session):
        raise NotYetKnown(_l("Unknown Checkout: retry later."))
    return "ignored: not ours"


def _refunded(record, charge: dict) -> str:
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    refund = record_external_refund(
        record=record,
        amount_refunded=int(charge.get("amount_refunded") or 0),
        refund_id=refunds[0].get("id") if refunds else None,
    )
    return "refund recorded" if refund else "ignored: refund already known"
