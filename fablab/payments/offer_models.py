"""The lab's offer: membership plans, prepaid hour packs, catalogue services and quotes.

Invariants live in the database: a pack's remaining minutes never go below zero
(nor above what was sold), a membership or pack belongs to one person or one
company, a quote number is unique.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow

ONE_OWNER = "(user_id IS NULL) <> (company_id IS NULL)"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class GrantedCategory(StrEnum):
    MEMBER = "member"
    REDUCED = "reduced"
    COMPANY = "company"


class PurchaseStatus(StrEnum):
    PENDING = "pending"  # waiting for a card payment
    ACTIVE = "active"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # a card payment that never came


class Plan(db.Model):
    """A membership the lab sells: it grants a price category for some months."""

    __tablename__ = "plans"
    __table_args__ = (
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("validity_months BETWEEN 1 AND 120", name="validity_range"),
        sa.CheckConstraint(_in("category", GrantedCategory), name="category_known"),
        sa.CheckConstraint(
            "(for_company AND max_employees > 0) OR (NOT for_company AND max_employees IS NULL)",
            name="company_plan_has_size",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_fr: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    price_cents: Mapped[int] = mapped_column()
    validity_months: Mapped[int] = mapped_column(default=12)
    category: Mapped[str] = mapped_column(sa.String(20), default=GrantedCategory.MEMBER.value)
    for_company: Mapped[bool] = mapped_column(default=False)
    max_employees: Mapped[Optional[int]] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name(self, locale: str = "fr") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fr


class Membership(db.Model):
    """A plan bought by a person or a company, valid from ``starts_at`` to ``ends_at``."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.CheckConstraint(ONE_OWNER, name="one_owner"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(_in("status", PurchaseStatus), name="status_known"),
        sa.Index("ix_memberships_status_ends", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="RESTRICT"))
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=PurchaseStatus.PENDING.value)
    category: Mapped[str] = mapped_column(sa.String(20))
    price_cents: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invoice_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    bought_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    reminder_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    expired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship()
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    company: Mapped[Optional[Company]] = relationship()


class PackProduct(db.Model):
    """A prepaid hour pack the lab sells, e.g. 10 h of laser for 250 € excl. VAT, 12 months."""

    __tablename__ = "pack_products"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("validity_months BETWEEN 1 AND 120", name="validity_range"),
        sa.CheckConstraint("length(machine_kinds) > 0", name="kinds_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_fr: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    minutes: Mapped[int] = mapped_column()
    price_cents: Mapped[int] = mapped_column()
    validity_months: Mapped[int] = mapped_column(default=12)
    # Comma-separated machine kinds the pack pays for ("laser_cutter,cnc").
    machine_kinds: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name(self, locale: str = "fr") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fr

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in self.machine_kinds.split(",") if kind]


class Pack(db.Model):
    """Prepaid minutes held by a person or a company; bookings draw from them."""

    __tablename__ = "packs"
    __table_args__ = (
        sa.CheckConstraint(ONE_OWNER, name="one_owner"),
        sa.CheckConstraint("minutes_remaining >= 0", name="remaining_not_negative"),
        sa.CheckConstraint("minutes_remaining <= minutes_total", name="remaining_within_total"),
        sa.CheckConstraint("expired_minutes >= 0", name="expired_not_negative"),
        sa.CheckConstraint(_in("status", PurchaseStatus), name="status_known"),
        sa.CheckConstraint("expires_at > starts_at", name="expires_after_start"),
        sa.Index("ix_packs_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("pack_products.id", ondelete="RESTRICT"))
    user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=PurchaseStatus.PENDING.value)
    machine_kinds: Mapped[str] = mapped_column(sa.String(200))
    minutes_total: Mapped[int] = mapped_column()
    minutes_remaining: Mapped[int] = mapped_column()
    # Minutes left unused when the pack expired (recognised revenue, reported).
    expired_minutes: Mapped[int] = mapped_column(default=0)
    price_cents: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invoice_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    bought_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    expired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[PackProduct] = relationship()
    user: Mapped[Optional[User]] = relationship(foreign_keys=[user_id])
    company: Mapped[Optional[Company]] = relationship()

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in self.machine_kinds.split(",") if kind]


class PackDraw(db.Model):
    """Minutes a booking took from a pack (positive) or gave back (negative)."""

    __tablename__ = "pack_draws"
    __table_args__ = (sa.CheckConstraint("minutes <> 0", name="minutes_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(sa.ForeignKey("packs.id", ondelete="CASCADE"), index=True)
    reservation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="CASCADE"), index=True
    )
    minutes: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(20), default="booking")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pack: Mapped[Pack] = relationship()


class ServiceKind(StrEnum):
    PROTOTYPING = "prototyping"
    CUTTING = "cutting"
    TRAINING = "training"
    WORKSHOP = "workshop"


class CatalogueService(db.Model):
    """A service the lab sells to companies on quote (prototyping, cutting job…)."""

    __tablename__ = "catalogue_services"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ServiceKind), name="kind_known"),
        sa.CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name_fr: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_fr: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[str] = mapped_column(sa.String(20), default="h")
    unit_price_cents: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str = "fr") -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fr

    def description(self, locale: str = "fr") -> str:
        return self.description_en if locale == "en" else self.description_fr


class QuoteStatus(StrEnum):
    REQUESTED = "requested"
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    INVOICED = "invoiced"


class Quote(db.Model):
    """A company's request for a service, then the lab's priced quote (devis)."""

    __tablename__ = "quotes"
    __table_args__ = (
        sa.CheckConstraint(_in("status", QuoteStatus), name="status_known"),
        sa.CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate_range"),
        sa.CheckConstraint("deposit_percent BETWEEN 0 AND 100", name="deposit_range"),
        sa.CheckConstraint("number IS NULL OR sent_at IS NOT NULL", name="numbered_when_sent"),
        sa.UniqueConstraint("year", "sequence", name="uq_quotes_year_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=QuoteStatus.REQUESTED.value)
    number: Mapped[Optional[str]] = mapped_column(sa.String(20), unique=True)
    year: Mapped[Optional[int]] = mapped_column()
    sequence: Mapped[Optional[int]] = mapped_column()
    service_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("catalogue_services.id", ondelete="SET NULL")
    )
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    company_name: Mapped[str] = mapped_column(sa.String(200))
    company_siret: Mapped[str] = mapped_column(sa.String(14), default="")
    company_address: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    request_text: Mapped[str] = mapped_column(sa.Text, default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="fr")
    vat_rate_bp: Mapped[int] = mapped_column(default=2000)
    valid_until: Mapped[Optional[date]] = mapped_column()
    deposit_percent: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    token_hash: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    answered_by_name: Mapped[str] = mapped_column(sa.String(120), default="")
    answered_ip: Mapped[str] = mapped_column(sa.String(45), default="")
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    deposit_invoice_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    invoice_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("invoices.id", ondelete="RESTRICT")
    )

    service: Mapped[Optional[CatalogueService]] = relationship()
    company: Mapped[Optional[Company]] = relationship()
    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )

    @property
    def total_excl_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


class QuoteLine(db.Model):
    __tablename__ = "quote_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity_milli > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price_cents >= 0 AND amount_cents >= 0", name="amount_positive"),
        sa.UniqueConstraint("quote_id", "position", name="uq_quote_lines_quote_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(sa.String(300))
    unit: Mapped[str] = mapped_column(sa.String(20), default="unit")
    quantity_milli: Mapped[int] = mapped_column(sa.BigInteger)
    unit_price_cents: Mapped[int] = mapped_column()
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    quote: Mapped[Quote] = relationship(back_populates="lines")
