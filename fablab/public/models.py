"""What the lab publishes: the manager's open-data choices and the material of each consumable."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow


class OpenDataSettings(db.Model):
    """One row (id 1): which datasets are published, and how small counts are hidden."""

    __tablename__ = "open_data_settings"
    __table_args__ = (
        sa.CheckConstraint("suppression_threshold >= 1", name="threshold_positive"),
        sa.CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="lat"),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="lon"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Opt-in per dataset: nothing is published until the manager says so.
    publish_lab: Mapped[bool] = mapped_column(default=False)
    publish_activity: Mapped[bool] = mapped_column(default=False)
    publish_events: Mapped[bool] = mapped_column(default=False)
    # A count of people below this is published as null ("fewer than N").
    suppression_threshold: Mapped[int] = mapped_column(default=5)
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    latitude: Mapped[Optional[float]] = mapped_column(sa.Float)
    longitude: Mapped[Optional[float]] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class MaterialProfile(db.Model):
    """The material a machine consumes (PLA, plywood…) and whether it is recycled or bio-sourced."""

    __tablename__ = "material_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    machine_id: Mapped[int] = mapped_column(
        sa.ForeignKey("machines.id", ondelete="CASCADE"), unique=True
    )
    material: Mapped[str] = mapped_column(sa.String(60), default="")
    recycled: Mapped[bool] = mapped_column(default=False)
    bio_sourced: Mapped[bool] = mapped_column(default=False)

    machine: Mapped[Machine] = relationship()
