"""What the API keeps between requests: the answers to idempotent POSTs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow


class IdempotencyKey(db.Model):
    """A caller's ``Idempotency-Key`` and the first answer given to it.

    Stored in the same transaction as the work it guards: either both are
    committed or neither. ``status_code`` is empty until the answer is recorded.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("caller", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller: Mapped[str] = mapped_column(sa.String(80))
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[Optional[int]] = mapped_column()
    response_body: Mapped[str] = mapped_column(sa.Text, default="")
    response_type: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
