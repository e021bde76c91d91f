"""Checkout Sessions we created, Stripe events we applied, refunds we made.

A ``CheckoutRecord`` is written *before* the customer is sent to Stripe, so a
payment always finds what it pays for. Its status moves only forward::

    pending ──► paid ──► refunded (whole amount given back)
       ├──────► expired ──► paid  (a late payment: fulfilled or refunded at once)
       └──────► failed

Every Stripe event id is stored once (``stripe_events.event_id`` is unique), in
the same transaction as its effect: a duplicate or a replay changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.billing.models import Invoice
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class CheckoutStatus(StrEnum):
    PENDING = "pending"  # sent to Stripe, not paid yet
    PAID = "paid"  # money received (and the purpose fulfilled, or refunded automatically)
    EXPIRED = "expired"  # the session expired unpaid; what was held was released
    REFUNDED = "refunded"  # every cent given back
    FAILED = "failed"  # the payment was refused


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class CheckoutRecord(db.Model):
    """One Stripe Checkout Session for one thing sold (``purpose`` + ``reference_id``)."""

    __tablename__ = "checkouts"
    __table_args__ = (
        sa.CheckConstraint(_in("status", CheckoutStatus), name="status_known"),
        sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"
        ),
        sa.CheckConstraint("user_id IS NOT NULL OR company_id IS NOT NULL", name="has_customer"),
        sa.Index("ix_checkouts_purpose_reference", "purpose", "reference_id"),
        sa.Index("ix_checkouts_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(30))
    reference_id: Mapped[int] = mapped_column()
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="eur")
    description: Mapped[str] = mapped_column(sa.String(300))
    stripe_session_id: Mapped[Optional[str]] = mapped_column(sa.String(255), unique=True)
    url: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=CheckoutStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    paid_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    payment_intent_id: Mapped[Optional[str]] = mapped_column(sa.String(255), index=True)
    invoice_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    refunded_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Why it ended as it did, for the customer and the manager ("slot taken meanwhile"…).
    note: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[Optional[User]] = relationship()
    company: Mapped[Optional[Company]] = relationship()
    invoice: Mapped[Optional[Invoice]] = relationship()
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="checkout", order_by="Refund.created_at"
    )

    @property
    def is_open(self) -> bool:
        return self.status == CheckoutStatus.PENDING

    @property
    def refundable_cents(self) -> int:
        if self.status not in (CheckoutStatus.PAID, CheckoutStatus.REFUNDED):
            return 0
        return self.amount_cents - self.refunded_cents

    def __repr__(self) -> str:
        return f"<CheckoutRecord {self.id} {self.purpose}:{self.reference_id} {self.status}>"


class StripeEvent(db.Model):
    """A Stripe event we received; stored in the transaction that applies it, once."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    checkout_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("checkouts.id", ondelete="SET NULL"), index=True
    )
    # What applying it did ("paid", "ignored: already expired"…), for the manager's log.
    outcome: Mapped[str] = mapped_column(sa.String(200), default="")


class Refund(db.Model):
    """Money given back on a Checkout payment: a Stripe refund and its credit note, linked."""

    __tablename__ = "checkout_refunds"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkouts.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    stripe_refund_id: Mapped[Optional[str]] = mapped_column(sa.String(255), unique=True)
    credit_note_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    automatic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    checkout: Mapped[CheckoutRecord] = relationship(back_populates="refunds")
    credit_note: Mapped[Optional[Invoice]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()


class PaymentSettings(db.Model):
    """The lab's prepayment policy: which customer categories pay a slot by card when booking.

    One row (id 1), see ``fablab.payments.settings``. Without Stripe keys the
    policy is not applied: bookings are made and billed as usual.
    """

    __tablename__ = "payment_settings"
    __table_args__ = (
        sa.CheckConstraint("hold_minutes BETWEEN 5 AND 60", name="hold_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prepay_member: Mapped[bool] = mapped_column(default=False)
    prepay_public: Mapped[bool] = mapped_column(default=False)
    prepay_reduced: Mapped[bool] = mapped_column(default=False)
    prepay_company: Mapped[bool] = mapped_column(default=False)
    # How long a paid slot or seat stays held while the customer pays.
    hold_minutes: Mapped[int] = mapped_column(default=15)

    def must_prepay(self, category: str) -> bool:
        return bool(getattr(self, f"prepay_{category}", False))


class EventPaymentOption(db.Model):
    """Per event: may a paid seat be paid at the desk instead of by card (the manager's choice)."""

    __tablename__ = "event_payment_options"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    pay_at_desk: Mapped[bool] = mapped_column(default=False)
