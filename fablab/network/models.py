"""Member labs of a regional hub and the last good copy of what each one publishes."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow

DATASETS = ("lab", "activity", "events")


class NetworkLab(db.Model):
    """A member lab, known by the address of its open-data catalogue."""

    __tablename__ = "network_labs"
    __table_args__ = (
        sa.CheckConstraint("state IN ('pending', 'ok', 'error')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_url: Mapped[str] = mapped_column(sa.String(500), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default="pending")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_fetched_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_success_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    documents: Mapped[list[NetworkDocument]] = relationship(
        back_populates="lab", cascade="all, delete-orphan", order_by="NetworkDocument.dataset"
    )

    def document(self, dataset: str) -> Optional[NetworkDocument]:
        return next((d for d in self.documents if d.dataset == dataset), None)

    @property
    def label(self) -> str:
        return self.name or self.catalogue_url


class NetworkDocument(db.Model):
    """The last valid copy of one dataset of a member lab (kept when a later fetch fails)."""

    __tablename__ = "network_documents"
    __table_args__ = (
        sa.UniqueConstraint("lab_id", "dataset", name="uq_network_documents_lab_dataset"),
        sa.CheckConstraint("dataset IN ('lab', 'activity', 'events')", name="dataset_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lab_id: Mapped[int] = mapped_column(sa.ForeignKey("network_labs.id", ondelete="CASCADE"))
    dataset: Mapped[str] = mapped_column(sa.String(20))
    url: Mapped[str] = mapped_column(sa.String(500))
    etag: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lab: Mapped[NetworkLab] = relationship(back_populates="documents")
