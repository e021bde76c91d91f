"""External iCalendar feeds the lab subscribes to; their events become closures."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow


class CalendarSubscription(db.Model):
    """An external calendar (public holidays, the building's closures…).

    Its events are copied into ``closures`` with ``source = "ics:<id>"`` and the
    event's UID as ``external_uid``; a refresh adds, updates and removes them.
    """

    __tablename__ = "calendar_subscriptions"
    __table_args__ = (
        sa.CheckConstraint("length(url) > 0", name="url_present"),
        sa.CheckConstraint("length(name) > 0", name="name_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(2000))
    # NULL: the closures close the whole lab; otherwise only this machine.
    machine_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), index=True
    )
    etag: Mapped[Optional[str]] = mapped_column(sa.String(200))
    last_modified: Mapped[Optional[str]] = mapped_column(sa.String(64))
    last_fetched_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_success_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    machine: Mapped[Optional[Machine]] = relationship()

    @property
    def source(self) -> str:
        """The ``Closure.source`` of the closures this subscription made."""
        return f"ics:{self.id}"

    def __repr__(self) -> str:
        return f"<CalendarSubscription {self.id} {self.url}>"
