"""Reservations of machines. Two active reservations of one machine never overlap.

The database enforces it: on PostgreSQL an exclusion constraint over the machine
and ``tstzrange(start_at, blocked_until)``; on SQLite a trigger (see the
migrations), with every write transaction opened by ``BEGIN IMMEDIATE``.
``blocked_until`` is the end plus the machine's buffer time (cleaning, cooling),
so the buffer is protected by the same guarantee.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow


class ReservationStatus(StrEnum):
    HELD = "held"  # a payment is pending; blocks the slot until hold_expires_at
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a hold whose payment never came
    NO_SHOW = "no_show"
    COMPLETED = "completed"


ACTIVE_STATUSES = (ReservationStatus.HELD.value, ReservationStatus.CONFIRMED.value)
_ACTIVE_SQL = "status IN ('held', 'confirmed')"


class Reservation(db.Model):
    __tablename__ = "reservations"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint("blocked_until >= end_at", name="buffer_not_negative"),
        sa.CheckConstraint(
            "status IN ('held', 'confirmed', 'cancelled', 'expired', 'no_show', 'completed')",
            name="status_known",
        ),
        sa.CheckConstraint(
            "status <> 'held' OR hold_expires_at IS NOT NULL", name="hold_has_expiry"
        ),
        ExcludeConstraint(
            ("machine_id", "="),
            (sa.text("tstzrange(start_at, blocked_until, '[)')"), "&&"),
            where=sa.text(_ACTIVE_SQL),
            using="gist",
            name="reservations_no_overlap",
        ).ddl_if(dialect="postgresql"),
        sa.Index("ix_reservations_machine_start", "machine_id", "start_at"),
        # The time window of one machine without reading its history (SQLite; PostgreSQL
        # narrows with the exclusion constraint's GiST index over the range).
        sa.Index("ix_reservations_machine_blocked_until", "machine_id", "blocked_until"),
        sa.Index("ix_reservations_start", "start_at"),
        sa.Index("ix_reservations_user_start", "user_id", "start_at"),
        # The lifecycle jobs read only the few bookings still waiting for a transition.
        sa.Index("ix_reservations_status_end", "status", "end_at"),
        sa.CheckConstraint("prepaid_minutes >= 0", name="prepaid_not_negative"),
        sa.CheckConstraint(
            "status <> 'completed' OR completed_at IS NOT NULL", name="completed_is_stamped"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(sa.ForeignKey("machines.id", ondelete="CASCADE"))
    # The person who will use the machine.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # Set when the booking is made on a company's account (billed to the company).
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(20), default=ReservationStatus.CONFIRMED.value)
    hold_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Bookings made by one recurring request share this identifier.
    series_id: Mapped[Optional[str]] = mapped_column(sa.String(36), index=True)
    checked_in_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Cancelled after the deadline and the lab bills its booked time (see billing.charges).
    bill_cancellation: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Who completed it: "scheduler", "usage" or "manager" (see bookings.lifecycle).
    completed_via: Mapped[str] = mapped_column(sa.String(20), default="")
    # Minutes of this booking already paid for by prepaid packs (not billed again).
    prepaid_minutes: Mapped[int] = mapped_column(default=0)
    # iCalendar SEQUENCE: grows with every change a calendar client must see.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    machine: Mapped[Machine] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    company: Mapped[Optional[Company]] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def awaits_attendance(self) -> bool:
        """Started, nobody checked in: a manager may record that the booker came after all."""
        waiting = (ReservationStatus.CONFIRMED.value, ReservationStatus.NO_SHOW.value)
        return self.status in waiting and self.checked_in_at is None and self.start_at <= utcnow()

    def __repr__(self) -> str:
        return f"<Reservation {self.id} machine={self.machine_id} {self.start_at}>"


def meets_window(start: datetime, end: datetime, dialect: str) -> sa.ColumnElement[bool]:
    """Reservations whose blocked time [start_at, blocked_until) meets [start, end).

    On PostgreSQL it is the range overlap the exclusion constraint is built on, so
    with the machine and an active status the query walks that GiST index for the
    window alone, never a machine's history. On SQLite the two bounds use the
    (machine_id, blocked_until) index: bookings that ended before the window are
    never read.
    """
    if dialect == "postgresql":
        booked = sa.func.tstzrange(Reservation.start_at, Reservation.blocked_until, "[)")
        return booked.op("&&")(sa.func.tstzrange(start, end, "[)"))
    # SQLite would pick (machine_id, start_at) and walk every booking before the window;
    # a unary + keeps start_at out of index choice (SQLite's documented way to steer it).
    start_at = sa.literal_column("+reservations.start_at", type_=Reservation.start_at.type)
    return sa.and_(Reservation.blocked_until > start, start_at < end)


def active_in_window(machine_id: int, start: datetime, end: datetime, dialect: str) -> sa.Select:
    """Active (held, confirmed) reservations of one machine whose blocked time meets the window."""
    return sa.select(Reservation).where(
        Reservation.machine_id == machine_id,
        Reservation.status.in_(ACTIVE_STATUSES),
        meets_window(start, end, dialect),
    )
