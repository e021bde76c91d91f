"""Waitlist entries: a member waits for a taken slot of a machine.

An entry goes ``waiting`` → ``offered`` (the slot freed; an e-mail with a claim
link went out, valid until ``offer_expires_at``) → ``claimed`` (booked) or
``lapsed`` (the offer ran out; the next in line is offered). A member may also
``left`` the line, and an entry whose slot has started without being offered
becomes ``expired``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import User
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    CLAIMED = "claimed"
    LAPSED = "lapsed"
    LEFT = "left"
    EXPIRED = "expired"


LIVE_STATUSES = (WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value)


class WaitlistEntry(db.Model):
    __tablename__ = "waitlist_entries"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'claimed', 'lapsed', 'left', 'expired')",
            name="status_known",
        ),
        sa.CheckConstraint(
            "status <> 'offered' OR (offered_at IS NOT NULL AND offer_expires_at IS NOT NULL)",
            name="offer_has_expiry",
        ),
        sa.CheckConstraint("status <> 'claimed' OR claimed_at IS NOT NULL", name="claim_has_time"),
        # One live place in line per person and slot.
        sa.Index(
            "uq_waitlist_live_entry",
            "user_id",
            "machine_id",
            "start_at",
            "end_at",
            unique=True,
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
        ),
        sa.Index("ix_waitlist_machine_status", "machine_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(sa.ForeignKey("machines.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(20), default=WaitlistStatus.WAITING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reservation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="SET NULL")
    )

    machine: Mapped[Machine] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<WaitlistEntry {self.id} {self.status} machine={self.machine_id}>"
