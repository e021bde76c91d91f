"""The seller's and buyer's identities frozen on a document, and what must be filled first."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Company, User
from fablab.billing.models import BillingSettings
from fablab.errors import DomainError
from fablab.machines.settings import get_settings


class IdentityIncomplete(DomainError):
    status = 422
    code = "seller_identity_incomplete"


def missing_seller_fields() -> list[str]:
    """Labels of the lab identity fields an invoice needs and that are still empty."""
    lab = get_settings()
    missing = []
    if not (lab.legal_name or "").strip():
        missing.append(str(_l("legal name")))
    if not (lab.address or "").strip():
        missing.append(str(_l("address")))
    if not (lab.siret or "").strip():
        missing.append(str(_l("SIRET")))
    return missing


def check_seller_identity() -> None:
    missing = missing_seller_fields()
    if missing:
        raise IdentityIncomplete(
            _l(
                "An invoice cannot be issued while the lab's %(fields)s is empty: "
                "fill it in Manage → Lab settings.",
                fields=", ".join(missing),
            )
        )


def seller_snapshot(settings: BillingSettings) -> dict:
    lab = get_settings()
    return dict(
        seller_name=lab.name or "",
        seller_legal_name=lab.legal_name or lab.name or "",
        seller_address=lab.address or "",
        seller_siret=lab.siret or "",
        seller_vat_number=lab.vat_number or "",
        seller_email=lab.email or "",
        seller_legal_form=settings.legal_form or "",
        seller_share_capital=settings.share_capital or "",
        seller_registration=settings.registration or "",
    )


def buyer_snapshot(user: User | None, company: Company | None) -> dict:
    if company is not None:
        return dict(
            buyer_name=company.legal_name,
            buyer_address=company.billing_address or "",
            buyer_email=company.contact_email or "",
            buyer_siret=company.siret or "",
            buyer_vat_number=company.vat_number or "",
        )
    assert user is not None
    return dict(
        buyer_name=user.display_name,
        buyer_address=user.address or "",
        buyer_email=user.email,
        buyer_siret="",
        buyer_vat_number="",
    )
