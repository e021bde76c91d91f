"""Reports data the manager records: pricing scenarios, the lab's costs, grants received."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow

PERCENT_COLUMNS = (
    "member_rate_pct",
    "public_rate_pct",
    "reduced_rate_pct",
    "company_rate_pct",
    "material_pct",
    "volume_pct",
)


class PricingScenario(db.Model):
    """Changes to today's prices (percentages) and usage, and an optional membership fee.

    Hourly machine rates change per customer segment; material prices and the volume of
    machine time and material change for everyone; ``membership_fee_cents`` replaces the
    price of every membership sold (NULL keeps what was charged).
    """

    __tablename__ = "pricing_scenarios"
    __table_args__ = (
        *(
            sa.CheckConstraint(f"{column} >= -100 AND {column} <= 1000", name=f"{column}_range")
            for column in PERCENT_COLUMNS
        ),
        sa.CheckConstraint(
            "membership_fee_cents IS NULL OR membership_fee_cents >= 0",
            name="membership_fee_not_negative",
        ),
        sa.CheckConstraint("length(name) > 0", name="name_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    member_rate_pct: Mapped[int] = mapped_column(default=0)
    public_rate_pct: Mapped[int] = mapped_column(default=0)
    reduced_rate_pct: Mapped[int] = mapped_column(default=0)
    company_rate_pct: Mapped[int] = mapped_column(default=0)
    material_pct: Mapped[int] = mapped_column(default=0)
    volume_pct: Mapped[int] = mapped_column(default=0)
    membership_fee_cents: Mapped[Optional[int]] = mapped_column()
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def rate_pct(self, segment: str) -> int:
        return int(getattr(self, f"{segment}_rate_pct", 0) or 0)


COST_CATEGORIES = ("rent", "staff", "insurance", "maintenance", "materials", "other")


class LabCost(db.Model):
    """A cost of the lab for one month (rent, staff…), optionally for one machine."""

    __tablename__ = "lab_costs"
    __table_args__ = (
        sa.CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in COST_CATEGORIES) + ")",
            name="category_known",
        ),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.Index("ix_lab_costs_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column()  # the first day of the month
    category: Mapped[str] = mapped_column(sa.String(20))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    machine_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    machine: Mapped[Optional[Machine]] = relationship()


class Grant(db.Model):
    """Money received from a funder; it may have paid for machines (``GrantMachine``)."""

    __tablename__ = "grants"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.CheckConstraint("length(funder) > 0", name="funder_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    funder: Mapped[str] = mapped_column(sa.String(200))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    received_on: Mapped[date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shares: Mapped[list[GrantMachine]] = relationship(
        back_populates="grant", cascade="all, delete-orphan", order_by="GrantMachine.id"
    )


class GrantMachine(db.Model):
    """The part of a grant that paid for one machine (the shares add up to the grant)."""

    __tablename__ = "grant_machines"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
        sa.UniqueConstraint("grant_id", "machine_id", name="uq_grant_machines_grant_machine"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(sa.ForeignKey("grants.id", ondelete="CASCADE"))
    machine_id: Mapped[int] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    grant: Mapped[Grant] = relationship(back_populates="shares")
    machine: Mapped[Machine] = relationship()
