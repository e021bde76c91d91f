"""Usage sessions: who used which machine, when, and how much material.

Billing reads these rows. A session is billable when its status is ``closed``
and ``charged_at`` is NULL; billing sets ``charged_at`` when it makes the
charge. ``flagged`` sessions wait for a manager's review (they were closed by
the auto-close job, or recorded for the lab's own account) and must not be
billed until a manager closes them.

Consumables are integer thousandths of the machine's consumable unit
(``consumable_quantity_milli = 12_345`` with unit ``gram`` is 12.345 g), with
the machine's per-unit rate copied at stop time (``consumable_rate_cents``).
Price of the material = ``quantity_milli * rate_cents / 1000`` (billing rounds).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.accounts.models import Company, User
from fablab.bookings.models import Reservation
from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow


class UsageSource(StrEnum):
    KIOSK = "kiosk"
    MANAGER = "manager"
    DEVICE = "device"
    OCTOPRINT = "octoprint"
    MOONRAKER = "moonraker"
    PRUSALINK = "prusalink"


class PrinterKind(StrEnum):
    """What a link polls: a 3D printer's server (a session's source is the same word), or
    a smart relay measuring a machine's power (its sessions' source is ``device``)."""

    OCTOPRINT = "octoprint"
    MOONRAKER = "moonraker"  # Klipper printers (Voron, most kits)
    PRUSALINK = "prusalink"  # Prusa MK4, XL, MINI
    SHELLY = "shelly"  # a smart relay / power meter on a machine without an API


# Sources whose sessions a printer's server opens and closes by itself.
PRINTER_SOURCES = frozenset({"octoprint", "moonraker", "prusalink"})


class UsageStatus(StrEnum):
    OPEN = "open"  # running: no end yet
    CLOSED = "closed"  # ended, billable
    FLAGGED = "flagged"  # ended, waits for a manager's review before billing


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


OPEN_SQL = "status = 'open'"


class UsageSession(db.Model):
    __tablename__ = "usage_sessions"
    __table_args__ = (
        sa.CheckConstraint(_in("source", UsageSource), name="source_known"),
        sa.CheckConstraint(_in("status", UsageStatus), name="status_known"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at > started_at", name="end_after_start"),
        sa.CheckConstraint(
            "(status = 'open' AND ended_at IS NULL) OR (status <> 'open' AND ended_at IS NOT NULL)",
            name="open_has_no_end",
        ),
        sa.CheckConstraint("consumable_quantity_milli >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("consumable_rate_cents >= 0", name="rate_not_negative"),
        sa.UniqueConstraint(
            "machine_id", "external_id", name="uq_usage_sessions_machine_external_id"
        ),
        # One machine runs at most one open session.
        sa.Index(
            "uq_usage_sessions_one_open_per_machine",
            "machine_id",
            unique=True,
            sqlite_where=sa.text(OPEN_SQL),
            postgresql_where=sa.text(OPEN_SQL),
        ),
        sa.Index("ix_usage_sessions_machine_started", "machine_id", "started_at"),
        # The manager's list, newest first, pages without sorting the whole history.
        sa.Index("ix_usage_sessions_started", "started_at"),
        # A person's own list ("My usage"), newest first.
        sa.Index("ix_usage_sessions_user_started", "user_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(sa.ForeignKey("machines.id", ondelete="RESTRICT"))
    # The person who used the machine (for a device: the badge holder or the booker).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The booking the session falls in, if any.
    reservation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("reservations.id", ondelete="SET NULL"), index=True
    )
    # Billed to this company (booking on the company's account, or an employee's use).
    company_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), default=UsageStatus.OPEN.value)
    flagged_reason: Mapped[str] = mapped_column(sa.Text, default="")
    consumable_quantity_milli: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    consumable_unit: Mapped[str] = mapped_column(sa.String(10), default="none")
    # The machine's consumable rate per unit (cents, excl. VAT) when the session ended.
    consumable_rate_cents: Mapped[int] = mapped_column(default=0)
    # Idempotence key of an external source, e.g. "octoprint:<path>:<file date>".
    external_id: Mapped[Optional[str]] = mapped_column(sa.String(255))
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Set by billing when the session became a charge.
    charged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_by_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    machine: Mapped[Machine] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reservation: Mapped[Optional[Reservation]] = relationship()
    company: Mapped[Optional[Company]] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    corrections: Mapped[list[UsageCorrection]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="UsageCorrection.at",
    )

    @property
    def is_open(self) -> bool:
        return self.status == UsageStatus.OPEN

    @property
    def duration_minutes(self) -> Optional[int]:
        """Whole minutes used (rounded down); None while open."""
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds() // 60)

    @property
    def is_billable(self) -> bool:
        return self.status == UsageStatus.CLOSED and self.charged_at is None

    def __repr__(self) -> str:
        return f"<UsageSession {self.id} machine={self.machine_id} {self.status}>"


class UsageCorrection(db.Model):
    """Audit trail: one changed field of a session, by whom, when and why."""

    __tablename__ = "usage_corrections"
    __table_args__ = (sa.CheckConstraint("length(reason) > 0", name="reason_present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("usage_sessions.id", ondelete="CASCADE"), index=True
    )
    by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    field: Mapped[str] = mapped_column(sa.String(40))
    old_value: Mapped[str] = mapped_column(sa.Text, default="")
    new_value: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.Text)

    session: Mapped[UsageSession] = relationship(back_populates="corrections")
    by: Mapped[Optional[User]] = relationship()


class DeviceToken(db.Model):
    """A secret a device (badge reader, tablet) sends as X-Device-Token.

    Scoped to one machine. Only the SHA-256 hash is stored; the secret is
    shown once when created.
    """

    __tablename__ = "device_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12), default="")
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    machine: Mapped[Machine] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PrinterLink(db.Model):
    """How to reach a 3D printer's server (OctoPrint, Moonraker, PrusaLink) and what the
    poller saw last. The table keeps its first name, ``octoprint_links``."""

    __tablename__ = "octoprint_links"
    __table_args__ = (
        sa.CheckConstraint("diameter_milli_mm > 0", name="diameter_positive"),
        sa.CheckConstraint("density_milli > 0", name="density_positive"),
        sa.CheckConstraint(_in("kind", PrinterKind), name="kind_known"),
        sa.CheckConstraint(
            "last_progress_ppm >= 0 AND last_progress_ppm <= 1000000", name="progress_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), default=PrinterKind.OCTOPRINT.value)
    url: Mapped[str] = mapped_column(sa.String(255))
    api_key: Mapped[str] = mapped_column(sa.String(255))
    # PrusaLink's HTTP digest user (the key is then its password); empty: X-Api-Key.
    username: Mapped[str] = mapped_column(sa.String(100), default="")
    # Filament diameter in thousandths of a millimetre (1750 = 1.75 mm).
    diameter_milli_mm: Mapped[int] = mapped_column(default=1750)
    # Filament density in thousandths of g/cm³ (1240 = 1.24 g/cm³, PLA).
    density_milli: Mapped[int] = mapped_column(default=1240)
    # Prints nobody booked are recorded for this account and flagged for review.
    default_user_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    enabled: Mapped[bool] = mapped_column(default=True)
    last_polled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_state: Mapped[str] = mapped_column(sa.String(40), default="")
    last_job_key: Mapped[str] = mapped_column(sa.String(255), default="")
    # The share of the running print (``last_job_key``) the poller last saw printed,
    # in millionths: what a cancelled print is charged for.
    last_progress_ppm: Mapped[int] = mapped_column(default=0)
    # An English message id (translated when shown) and the technical detail, e.g. the
    # HTTP status or the network error; both empty when the last poll went well.
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_error_detail: Mapped[str] = mapped_column(sa.Text, default="")
    # The last time the server answered the poller usefully.
    last_contact_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    machine: Mapped[Machine] = relationship()
    default_user: Mapped[Optional[User]] = relationship()

    @property
    def failing(self) -> bool:
        return self.enabled and bool(self.last_error)


OctoPrintLink = PrinterLink  # the name it had when only OctoPrint was spoken
