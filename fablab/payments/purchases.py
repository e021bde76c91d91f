"""Buying a membership or a prepaid pack by card: each is a Checkout purpose with the same
steps. The purchase waits as pending; paid, it is invoiced as paid and activated (a late
payment still buys it); the Checkout expired, a purchase still pending is cancelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.billing.models import Charge
from fablab.extensions import db
from fablab.payments.checkout import settle_invoice, start_checkout
from fablab.payments.models import CheckoutRecord
from fablab.payments.offer_common import price_incl_vat
from fablab.payments.offer_models import PurchaseStatus
from fablab.payments.purposes import CannotFulfil, register_purpose


@dataclass(frozen=True)
class Purchase:
    """What differs between buying a membership and buying a pack."""

    purpose: str
    model: type  # Membership or Pack: id, status, price_cents, company, invoice_id
    title: Callable[[Any], str]  # the Checkout's description
    charge: Callable[[Any], Charge]
    activate: Callable[..., Any]  # activate(item, now=...)
    already_paid: Any  # the refusal (a lazy string) for a second payment


def register_purchase(kind: Purchase) -> Callable[..., CheckoutRecord]:
    """Register ``kind``'s Checkout purpose; returns its ``checkout(item, by=, …)``."""

    def checkout(item, *, by: User, success_url: str, cancel_url: str) -> CheckoutRecord:
        """Send the buyer to Stripe for a pending purchase (activated by the webhook)."""
        return start_checkout(
            purpose=kind.purpose,
            reference_id=item.id,
            amount_cents=price_incl_vat(item.price_cents),
            description=kind.title(item),
            user=by,
            company=item.company,
            success_url=success_url,
            cancel_url=cancel_url,
        )

    def on_paid(record: CheckoutRecord, *, now: datetime) -> None:
        item = _locked(kind.model, record.reference_id)
        if item is None or item.status not in (
            PurchaseStatus.PENDING.value,
            PurchaseStatus.CANCELLED.value,
        ):
            raise CannotFulfil(kind.already_paid, bill=False)
        item.status = PurchaseStatus.PENDING.value  # a late payment still buys it
        invoice = settle_invoice(record, charges=[kind.charge(item)])
        item.invoice_id = invoice.id
        kind.activate(item, now=now)

    def on_expired(record: CheckoutRecord, *, now: datetime) -> None:
        item = _locked(kind.model, record.reference_id)
        if item is not None and item.status == PurchaseStatus.PENDING.value:
            item.status = PurchaseStatus.CANCELLED.value
            db.session.flush()

    register_purpose(kind.purpose, on_paid=on_paid, on_expired=on_expired)
    return checkout


def _locked(model: type, ident: int):
    return db.session.scalar(
        sa.select(model)
        .where(model.id == ident)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
