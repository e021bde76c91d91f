"""Prepaid pack products: what the lab sells ("10 h laser, 250 € HT, 12 months")."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.extensions import db
from fablab.machines.models import MachineKind
from fablab.payments.offer_common import OfferError
from fablab.payments.offer_models import PackProduct


def list_products(*, active_only: bool = False) -> list[PackProduct]:
    query = sa.select(PackProduct).order_by(PackProduct.price_cents, PackProduct.id)
    if active_only:
        query = query.where(PackProduct.active.is_(True))
    return list(db.session.scalars(query))


def save_product(
    *,
    product: PackProduct | None = None,
    name_fr: str,
    name_en: str,
    minutes: int,
    price_cents: int,
    validity_months: int,
    machine_kinds: list[str],
    active: bool = True,
) -> PackProduct:
    """Create or change a pack product (packs already sold keep their terms)."""
    if not (name_fr or "").strip():
        raise OfferError(_l("A name is required."), field="name_fr")
    if minutes <= 0:
        raise OfferError(_l("A pack holds at least one minute."), field="hours")
    if price_cents < 0:
        raise OfferError(_l("The price cannot be negative."), field="price")
    if not 1 <= validity_months <= 120:
        raise OfferError(_l("Validity: 1 to 120 months."), field="validity_months")
    known = {kind.value for kind in MachineKind}
    if not machine_kinds or any(kind not in known for kind in machine_kinds):
        raise OfferError(_l("Choose the machine kinds the pack pays for."), field="machine_kinds")
    product = product or PackProduct()
    product.name_fr = name_fr.strip()[:120]
    product.name_en = (name_en or name_fr).strip()[:120]
    product.minutes = minutes
    product.price_cents = price_cents
    product.validity_months = validity_months
    product.machine_kinds = ",".join(sorted(set(machine_kinds)))
    product.active = active
    db.session.add(product)
    db.session.flush()
    return product
