"""Outreach, the regional call's commitments: events, people and companies reached,
first-time visitors, trainings delivered, qualifications granted, and the partner
organisations (schools, chambers of commerce, clusters…) linked to the period's events."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.events.metrics import event_metrics
from fablab.events.models import (
    Event,
    EventPartner,
    EventStatus,
    PartnerOrganisation,
    Registration,
)
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
    metrics["events_held"] = events_held(period)
    metrics["partners"] = partners(period)
    metrics["partner_organisations"] = len(metrics["partners"])
    return metrics


def _held(period: Period):
    return sa.and_(
        Event.status == EventStatus.PUBLISHED.value,
        Event.start_at >= instant(period.start_utc),
        Event.start_at < instant(period.end_utc),
    )


def partners(period: Period) -> list[dict]:
    """The partner organisations of the period's events, with how many events each joined
    (most first, then by name)."""
    events = sa.func.count(sa.distinct(EventPartner.event_id)).label("events")
    rows = db.session.execute(
        sa.select(
            PartnerOrganisation.id,
            PartnerOrganisation.name,
            PartnerOrganisation.kind,
            PartnerOrganisation.town,
            PartnerOrganisation.website,
            events,
        )
        .join(EventPartner, EventPartner.partner_id == PartnerOrganisation.id)
        .join(Event, Event.id == EventPartner.event_id)
        .where(_held(period))
        .group_by(
            PartnerOrganisation.id,
            PartnerOrganisation.name,
            PartnerOrganisation.kind,
            PartnerOrganisation.town,
            PartnerOrganisation.website,
        )
        .order_by(events.desc(), sa.func.lower(PartnerOrganisation.name))
    ).all()
    return [
        {"partner_id": i, "name": name, "kind": kind, "town": town, "website": web, "events": n}
        for i, name, kind, town, web, n in rows
    ]


def events_held(period: Period) -> list[dict]:
    """The published events of the period with their attendance, in date order."""
    attended = sa.func.count(Registration.attended_at)
    rows = db.session.execute(
        sa.select(Event.id, Event.start_at, Event.kind, Event.title_fr, Event.title_en, attended)
        .outerjoin(Registration, Registration.event_id == Event.id)
        .where(_held(period))
        .group_by(Event.id, Event.start_at, Event.kind, Event.title_fr, Event.title_en)
        .order_by(Event.start_at)
    ).all()
    return [
        {
            "event_id": i,
            "start": start.isoformat(),
            "kind": kind,
            "title_fr": fr,
            "title_en": en or fr,
            "attendances": int(count),
        }
        for i, start, kind, fr, en, count in rows
    ]
