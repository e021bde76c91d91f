"""Small helpers of the payments views and templates (no routes here)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from fablab.accounts.models import Company
from fablab.billing.models import DocType, Invoice
from fablab.billing.payments import balance_of
from fablab.billing.settings import get_billing_settings
from fablab.extensions import db


def return_urls() -> tuple[str, str]:
    """Stripe's success and cancel URLs: our return page, with Stripe's session id placeholder."""
    back = url_for("payments.checkout_return", _external=True)
    return back + "?session_id={CHECKOUT_SESSION_ID}", back + "?result=cancel"


def bank_details() -> dict | None:
    """The lab's IBAN and BIC for transfers (None when the billing settings give none)."""
    settings = get_billing_settings()
    iban = (settings.bank_iban or "").strip()
    if not iban:
        return None
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return {"iban": spaced, "bic": (settings.bank_bic or "").strip()}


def company_due_cents(company: Company) -> int:
    """What a company still owes on its issued invoices."""
    invoices = db.session.scalars(
        sa.select(Invoice).where(
            Invoice.company_id == company.id,
            Invoice.doc_type == DocType.INVOICE.value,
            Invoice.total_incl_cents > 0,
        )
    ).all()
    return sum(balance_of(invoice).due_cents for invoice in invoices)
