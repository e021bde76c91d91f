"""Translated labels of event kinds, audiences and statuses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from fablab.events.models import (
    Audience,
    Event,
    EventKind,
    EventStatus,
    PartnerKind,
    RegistrationStatus,
)
from fablab.formatting import format_date, format_datetime, format_time
from fablab.machines.zone import to_local

KIND_LABELS = {
    EventKind.DISCOVERY_DAY: _l("Discovery day"),
    EventKind.TRAINING: _l("Training"),
    EventKind.COMPANY_WORKSHOP: _l("Company workshop"),
    EventKind.OPEN_LAB: _l("Open lab"),
}
AUDIENCE_LABELS = {
    Audience.PUBLIC: _l("Everyone"),
    Audience.MEMBERS: _l("Members"),
    Audience.COMPANIES: _l("Companies"),
}
STATUS_LABELS = {
    EventStatus.DRAFT: _l("Draft"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.CANCELLED: _l("Cancelled"),
}
REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.PENDING_CONFIRMATION: _l("Waiting for e-mail confirmation"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("Waitlist"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

PARTNER_KIND_LABELS = {
    PartnerKind.SCHOOL: _l("School"),
    PartnerKind.UNIVERSITY: _l("University"),
    PartnerKind.CHAMBER_OF_COMMERCE: _l("Chamber of commerce"),
    PartnerKind.CLUSTER: _l("Cluster"),
    PartnerKind.COMPANY: _l("Company"),
    PartnerKind.ASSOCIATION: _l("Association"),
    PartnerKind.OTHER: _l("Other"),
}


def _label(table: dict, value: str) -> str:
    for key, label in table.items():
        if key.value == value:
            return str(label)
    return value


def event_kind_label(value: str) -> str:
    return _label(KIND_LABELS, value)


def audience_label(value: str) -> str:
    return _label(AUDIENCE_LABELS, value)


def event_status_label(value: str) -> str:
    return _label(STATUS_LABELS, value)


def partner_kind_label(value: str) -> str:
    return _label(PARTNER_KIND_LABELS, value)


def registration_status_label(value: str) -> str:
    return _label(REGISTRATION_STATUS_LABELS, value)


def event_when(event: Event) -> str:
    """ "Saturday 5 December 2026, 14:00 – 17:00" in the lab's zone and the reader's language."""
    start, end = to_local(event.start_at), to_local(event.end_at)
    if start.date() == end.date():
        hours = f"{format_time(start, 'short')} – {format_time(end, 'short')}"
        return f"{format_date(start, 'full')}, {hours}"
    return f"{format_datetime(start, 'medium')} – {format_datetime(end, 'medium')}"
