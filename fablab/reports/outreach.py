"""Outreach, the regional call's commitments: events, people and companies reached,
first-time visitors, trainings delivered and qualifications granted."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.events.metrics import event_metrics
from fablab.extensions import db
from fablab.machines.models import UserQualification
from fablab.reports.periods import Period
from fablab.reports.sqltime import instant


def outreach(period: Period) -> dict:
    """The events' funder metrics plus qualifications granted in the period."""
    metrics = event_metrics(period.start_utc, period.end_utc)
    granted = db.session.scalar(
        sa.select(sa.func.count(UserQualification.id)).where(
            UserQualification.granted_at >= instant(period.start_utc),
            UserQualification.granted_at < instant(period.end_utc),
        )
    )
    metrics["trainings"] = metrics["by_kind"].get("training", {}).get("events", 0)
    metrics["people_trained"] = metrics["by_kind"].get("training", {}).get("people", 0)
    metrics["qualifications_granted"] = int(granted or 0)
    return metrics
