"""Finding and locking Checkout records (shared by the webhook, the reconciliation and views)."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.errors import NotFound
from fablab.extensions import db
from fablab.payments.models import CheckoutRecord


def lock_record(record_id: int) -> CheckoutRecord | None:
    """The record, re-read under a row lock: concurrent deliveries apply one after the other."""
    return db.session.scalar(
        sa.select(CheckoutRecord)
        .where(CheckoutRecord.id == record_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def record_for_session(session: dict) -> CheckoutRecord | None:
    """Our record for a Stripe Checkout Session (by its id, else by our metadata), locked."""
    record_id = db.session.scalar(
        sa.select(CheckoutRecord.id).where(CheckoutRecord.stripe_session_id == session.get("id"))
    )
    if record_id is None:
        record_id = _metadata_id(session.get("metadata"))
    return lock_record(record_id) if record_id is not None else None


def record_for_payment_intent(
    intent_id: str | None, metadata: dict | None
) -> CheckoutRecord | None:
    """Our record for a PaymentIntent (by its id, else by our metadata), locked."""
    record_id = None
    if intent_id:
        record_id = db.session.scalar(
            sa.select(CheckoutRecord.id).where(CheckoutRecord.payment_intent_id == intent_id)
        )
    if record_id is None:
        record_id = _metadata_id(metadata)
    return lock_record(record_id) if record_id is not None else None


def _metadata_id(metadata: dict | None) -> int | None:
    raw = (metadata or {}).get("fablab_checkout_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def is_ours(obj: dict) -> bool:
    """Whether a Stripe object carries our reference (other apps may share the account)."""
    return _metadata_id(obj.get("metadata")) is not None


def get_record_or_404(record_id: int) -> CheckoutRecord:
    record = db.session.get(CheckoutRecord, record_id)
    if record is None:
        raise NotFound()
    return record


def checkouts_of(*, purpose: str, reference_id: int) -> list[CheckoutRecord]:
    return list(
        db.session.scalars(
            sa.select(CheckoutRecord)
            .where(CheckoutRecord.purpose == purpose, CheckoutRecord.reference_id == reference_id)
            .order_by(CheckoutRecord.id)
        ).all()
    )
