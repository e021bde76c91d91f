"""One row per outgoing message: what to send, to whom, and how its sending went."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class MessageStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    FAILED = "failed"  # permanent failure, given up, or past its deadline: see last_error


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"
        ),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint(
            "kind IS NOT NULL OR (subject IS NOT NULL AND body IS NOT NULL)",
            name="rendered_or_kind",
        ),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        sa.Index("ix_outbox_recipient", "recipient"),
        sa.Index("ix_outbox_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[Optional[str]] = mapped_column(sa.String(10))
    # Unrendered messages name a renderer (fablab.outbox.rendering) and its parameters.
    kind: Mapped[Optional[str]] = mapped_column(sa.String(60))
    params: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)
    # Rendered ones carry their text; an unrendered one gets its subject once sent.
    subject: Mapped[Optional[str]] = mapped_column(sa.Text)
    body: Mapped[Optional[str]] = mapped_column(sa.Text)
    attachments: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(10), default=MessageStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A time-limited message (a waitlist offer) is useless after this instant.
    deadline_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    claim_token: Mapped[Optional[str]] = mapped_column(sa.String(32))
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(sa.Text)

    @property
    def is_pending(self) -> bool:
        return self.status == MessageStatus.PENDING.value

    @property
    def can_be_resent(self) -> bool:
        return self.status in (MessageStatus.SENT.value, MessageStatus.FAILED.value)
