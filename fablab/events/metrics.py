"""Funder metrics of events: people reached, companies, first-time visitors.

The reports domain reads ``event_metrics``; the regional call asks how many
people and companies the lab's discovery events and trainings reached.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.events.models import Audience, Event, EventKind, EventStatus, Registration
from fablab.extensions import db


def _company_key(registration: Registration, user: User | None) -> str | None:
    """One key per company: the account's company, else the name a visitor typed."""
    if user is not None and user.company_id is not None:
        return f"id:{user.company_id}"
    name = " ".join((registration.company_name or "").lower().split())
    return f"name:{name}" if name else None


def _person_key(registration: Registration) -> str:
    return f"user:{registration.user_id}" if registration.user_id else registration.email.lower()


def _empty() -> dict:
    return {"events": 0, "attendees": 0, "people": set(), "companies": set(), "first_time": set()}


def _public(bucket: dict) -> dict:
    return {
        "events": bucket["events"],
        "attendances": bucket["attendees"],
        "people": len(bucket["people"]),
        "companies": len(bucket["companies"]),
        "first_time_visitors": len(bucket["first_time"]),
    }


def event_metrics(start: datetime, end: datetime) -> dict:
    """Attendance of the events held in [start, end) (not cancelled).

    Returns ``{"events", "attendances", "people", "companies", "first_time_visitors",
    "by_kind": {kind: {…same keys}}, "by_audience": {audience: {…}}}``: attendances
    count every check-in, people count distinct persons (account or e-mail),
    companies distinct companies (account's company or the name given).
    """
    events = db.session.scalars(
        sa.select(Event).where(
            Event.start_at >= start, Event.start_at < end, Event.status != EventStatus.CANCELLED,
            Event.status != EventStatus.DRAFT,
        )
    ).all()  # fmt: skip
    rows = db.session.execute(
        sa.select(Registration, User)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(User, User.id == Registration.user_id)
        .where(
            Registration.attended_at.is_not(None),
            Event.id.in_([e.id for e in events]) if events else sa.false(),
        )
    ).all()
    total = _empty()
    by_kind = {kind.value: _empty() for kind in EventKind}
    by_audience = {audience.value: _empty() for audience in Audience}
    kinds = {e.id: (e.kind, e.audience) for e in events}
    for event in events:
        for bucket in (total, by_kind[event.kind], by_audience[event.audience]):
            bucket["events"] += 1
    for registration, user in rows:
        kind, audience = kinds[registration.event_id]
        company = _company_key(registration, user)
        for bucket in (total, by_kind[kind], by_audience[audience]):
            bucket["attendees"] += 1
            bucket["people"].add(_person_key(registration))
            if registration.first_visit:
                bucket["first_time"].add(_person_key(registration))
            if company:
                bucket["companies"].add(company)
    result = _public(total)
    result["by_kind"] = {k: _public(v) for k, v in by_kind.items()}
    result["by_audience"] = {a: _public(v) for a, v in by_audience.items()}
    return result
