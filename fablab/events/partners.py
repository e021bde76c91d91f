"""Partner organisations (schools, chambers of commerce, clusters…) and the events they join.

The manager records each organisation once and links it to events on the event form; the
reports list the partners of a period's events (``fablab.reports.outreach``).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlparse

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError
from fablab.events.models import Event, EventPartner, PartnerKind, PartnerOrganisation
from fablab.extensions import db


class PartnerError(DomainError):
    status = 422
    code = "invalid"


def _clean(values: dict, partner: PartnerOrganisation | None) -> dict:
    name = " ".join((values.get("name") or "").split())
    if not name:
        raise PartnerError(_l("Give the organisation's name."), field="name")
    if len(name) > 200:
        raise PartnerError(_l("At most 200 characters."), field="name")
    same = db.session.scalar(
        sa.select(PartnerOrganisation.id).where(
            sa.func.lower(PartnerOrganisation.name) == name.lower()
        )
    )
    if same is not None and (partner is None or same != partner.id):
        raise PartnerError(_l("An organisation already has this name."), field="name")
    kind = values.get("kind")
    if kind not in {k.value for k in PartnerKind}:
        raise PartnerError(_l("Choose a kind of organisation."), field="kind")
    website = (values.get("website") or "").strip()
    if website:
        parsed = urlparse(website if "://" in website else f"https://{website}")
        if parsed.scheme not in ("http", "https") or "." not in (parsed.hostname or ""):
            raise PartnerError(
                _l("Give a web address such as https://example.org."), field="website"
            )
        website = parsed.geturl()
    return {
        "name": name,
        "kind": kind,
        "town": (values.get("town") or "").strip()[:120],
        "website": website[:300],
    }


def add_partner(*, values: dict) -> PartnerOrganisation:
    """Record a partner organisation (name unique, whatever its case)."""
    partner = PartnerOrganisation(**_clean(values, None))
    db.session.add(partner)
    db.session.flush()
    return partner


def update_partner(*, partner: PartnerOrganisation, values: dict) -> PartnerOrganisation:
    for name, value in _clean(values, partner).items():
        setattr(partner, name, value)
    db.session.flush()
    return partner


def delete_partner(*, partner: PartnerOrganisation) -> None:
    """Remove an organisation no event names (past reports keep their partners)."""
    if events_count(partner):
        raise PartnerError(_l("Events name this organisation: unlink it from them first."))
    db.session.delete(partner)
    db.session.flush()


def events_count(partner: PartnerOrganisation) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count(EventPartner.id)).where(EventPartner.partner_id == partner.id)
        )
        or 0
    )


def list_partners() -> list[tuple[PartnerOrganisation, int]]:
    """Every organisation with the number of events linked to it, by name."""
    linked = sa.func.count(EventPartner.id)
    rows = db.session.execute(
        sa.select(PartnerOrganisation, linked)
        .outerjoin(EventPartner, EventPartner.partner_id == PartnerOrganisation.id)
        .group_by(PartnerOrganisation.id)
        .order_by(sa.func.lower(PartnerOrganisation.name))
    ).all()
    return [(partner, int(count)) for partner, count in rows]


def partners_of(event: Event) -> list[PartnerOrganisation]:
    return list(
        db.session.scalars(
            sa.select(PartnerOrganisation)
            .join(EventPartner, EventPartner.partner_id == PartnerOrganisation.id)
            .where(EventPartner.event_id == event.id)
            .order_by(sa.func.lower(PartnerOrganisation.name))
        )
    )


def set_event_partners(*, event: Event, partners: Sequence[PartnerOrganisation]) -> None:
    """Link exactly these organisations to the event."""
    wanted = {partner.id for partner in partners}
    links = db.session.scalars(sa.select(EventPartner).where(EventPartner.event_id == event.id))
    for link in links:
        if link.partner_id in wanted:
            wanted.discard(link.partner_id)
        else:
            db.session.delete(link)
    for partner_id in sorted(wanted):
        db.session.add(EventPartner(event_id=event.id, partner_id=partner_id))
    db.session.flush()
