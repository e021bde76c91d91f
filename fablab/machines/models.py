"""Machines, qualifications, lab settings, opening hours and closures."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Category, User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class MachineKind(StrEnum):
    PRINTER_3D = "3d_printer"
    LASER_CUTTER = "laser_cutter"
    CNC_MILL = "cnc_mill"
    VINYL_CUTTER = "vinyl_cutter"
    ELECTRONICS = "electronics"
    OTHER = "other"


class MachineStatus(StrEnum):
    AVAILABLE = "available"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class ConsumableUnit(StrEnum):
    NONE = "none"
    GRAM = "gram"
    SHEET = "sheet"
    SQUARE_METRE = "m2"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class BookingRules:
    """Booking-rule columns shared by the lab defaults and per-machine overrides.

    On ``LabSettings`` they hold the defaults; on ``Machine`` a NULL means
    "use the lab's default".
    """

    slot_step_minutes: Mapped[Optional[int]] = mapped_column()
    min_duration_minutes: Mapped[Optional[int]] = mapped_column()
    max_duration_minutes: Mapped[Optional[int]] = mapped_column()
    max_advance_days: Mapped[Optional[int]] = mapped_column()
    min_notice_minutes: Mapped[Optional[int]] = mapped_column()
    cancel_deadline_hours: Mapped[Optional[int]] = mapped_column()
    buffer_minutes: Mapped[Optional[int]] = mapped_column()
    weekly_quota_hours: Mapped[Optional[int]] = mapped_column()


class Qualification(db.Model):
    """A safety or skill qualification a machine may require (e.g. laser safety)."""

    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    validity_months: Mapped[Optional[int]] = mapped_column()

    def __repr__(self) -> str:
        return f"<Qualification {self.name}>"


class UserQualification(db.Model):
    __tablename__ = "user_qualifications"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "qualification_id", name="user_qualification"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    qualification_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qualifications.id", ondelete="CASCADE")
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(sa.String(20), default="manager")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    qualification: Mapped[Qualification] = relationship()


class Machine(BookingRules, db.Model):
    __tablename__ = "machines"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", MachineKind), name="kind_known"),
        sa.CheckConstraint(_in("status", MachineStatus), name="status_known"),
        sa.CheckConstraint(_in("consumable_unit", ConsumableUnit), name="consumable_unit_known"),
        sa.CheckConstraint(
            "rate_member_cents >= 0 AND rate_public_cents >= 0 AND rate_reduced_cents >= 0 "
            "AND rate_company_cents >= 0 AND consumable_rate_cents >= 0",
            name="rates_not_negative",
        ),
        sa.CheckConstraint("billing_increment_minutes > 0", name="increment_positive"),
        sa.CheckConstraint(
            "purchase_cost_cents >= 0 AND monthly_maintenance_cents >= 0", name="costs_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(120), default="")
    photo_filename: Mapped[Optional[str]] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(20), default=MachineStatus.AVAILABLE.value)
    # Hourly rates per customer category, in integer cents excluding VAT.
    rate_member_cents: Mapped[int] = mapped_column(default=0)
    rate_public_cents: Mapped[int] = mapped_column(default=0)
    rate_reduced_cents: Mapped[int] = mapped_column(default=0)
    rate_company_cents: Mapped[int] = mapped_column(default=0)
    billing_increment_minutes: Mapped[int] = mapped_column(default=15)
    consumable_unit: Mapped[str] = mapped_column(sa.String(10), default=ConsumableUnit.NONE.value)
    consumable_rate_cents: Mapped[int] = mapped_column(default=0)
    required_qualification_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("qualifications.id", ondelete="SET NULL")
    )
    # May run unattended past closing time (long 3D prints).
    unattended_allowed: Mapped[bool] = mapped_column(default=False)
    # Investment data for the economic reports.
    purchase_cost_cents: Mapped[int] = mapped_column(default=0)
    purchase_date: Mapped[Optional[date]] = mapped_column()
    lifetime_hours: Mapped[Optional[int]] = mapped_column()
    monthly_maintenance_cents: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    required_qualification: Mapped[Optional[Qualification]] = relationship()

    def rate_for(self, category: str) -> int:
        """Hourly rate in cents (excl. VAT) for a customer category."""
        return {
            Category.MEMBER: self.rate_member_cents,
            Category.PUBLIC: self.rate_public_cents,
            Category.REDUCED: self.rate_reduced_cents,
            Category.COMPANY: self.rate_company_cents,
        }[Category(category)]

    @property
    def is_bookable(self) -> bool:
        return self.status == MachineStatus.AVAILABLE

    def __repr__(self) -> str:
        return f"<Machine {self.name}>"


class LabSettings(BookingRules, db.Model):
    """The lab's identity and defaults. One row (id 1)."""

    __tablename__ = "lab_settings"
    __table_args__ = (
        sa.CheckConstraint("vat_rate_bp >= 0 AND vat_rate_bp <= 10000", name="vat_rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="Fab Lab")
    legal_name: Mapped[str] = mapped_column(sa.String(200), default="")
    siret: Mapped[str] = mapped_column(sa.String(14), default="")
    vat_number: Mapped[str] = mapped_column(sa.String(20), default="")
    address: Mapped[str] = mapped_column(sa.Text, default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Paris")
    # VAT in basis points: 2000 = 20 %.
    vat_rate_bp: Mapped[int] = mapped_column(default=2000)
    # Minutes after a booking's start before it becomes a no-show.
    no_show_after_minutes: Mapped[int] = mapped_column(default=15)


class OpeningHours(db.Model):
    """One opening interval of a weekday (0 = Monday), in the lab's local time."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        sa.CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    weekday: Mapped[int] = mapped_column(index=True)
    opens_at: Mapped[time] = mapped_column()
    closes_at: Mapped[time] = mapped_column()


class Closure(db.Model):
    """A closure or maintenance window, lab-wide (no machine) or for one machine."""

    __tablename__ = "closures"
    __table_args__ = (sa.CheckConstraint("end_at > start_at", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repeats_yearly: Mapped[bool] = mapped_column(default=False)
    # Set when the closure comes from a subscribed external calendar.
    source: Mapped[str] = mapped_column(sa.String(40), default="manual")
    external_uid: Mapped[Optional[str]] = mapped_column(sa.String(255))

    machine: Mapped[Optional[Machine]] = relationship()
