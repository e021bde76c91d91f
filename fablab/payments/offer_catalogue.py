"""The lab's catalogue of services sold on quote (prototyping, cutting job, training…)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.extensions import db
from fablab.payments.offer_common import OfferError
from fablab.payments.offer_models import CatalogueService, ServiceKind


def list_services(*, active_only: bool = False) -> list[CatalogueService]:
    query = sa.select(CatalogueService).order_by(CatalogueService.kind, CatalogueService.id)
    if active_only:
        query = query.where(CatalogueService.active.is_(True))
    return list(db.session.scalars(query))


def save_service(
    *,
    service: CatalogueService | None = None,
    kind: str,
    name_fr: str,
    name_en: str,
    description_fr: str = "",
    description_en: str = "",
    unit: str = "h",
    unit_price_cents: int = 0,
    active: bool = True,
) -> CatalogueService:
    if kind not in {k.value for k in ServiceKind}:
        raise OfferError(_l("Unknown kind of service."), field="kind")
    if not (name_fr or "").strip():
        raise OfferError(_l("A name is required."), field="name_fr")
    if unit_price_cents < 0:
        raise OfferError(_l("The price cannot be negative."), field="unit_price")
    service = service or CatalogueService()
    service.kind = kind
    service.name_fr = name_fr.strip()[:120]
    service.name_en = (name_en or name_fr).strip()[:120]
    service.description_fr = (description_fr or "").strip()
    service.description_en = (description_en or "").strip()
    service.unit = (unit or "h").strip()[:20]
    service.unit_price_cents = unit_price_cents
    service.active = active
    db.session.add(service)
    db.session.flush()
    return service
