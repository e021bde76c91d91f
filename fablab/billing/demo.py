"""Demo billing data: settings and one invoice partly paid."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.models import Company
from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_invoice
from fablab.billing.payments import record_payment
from fablab.billing.settings import get_billing_settings
from fablab.extensions import db


def seed_billing() -> None:
    """Runs inside the caller's transaction, after the demo accounts exist."""
    get_billing_settings()
    company = db.session.scalar(sa.select(Company).where(Company.legal_name == "Demo Industries"))
    # The demo member's membership is a plan bought at the desk (fablab/payments/offer_demo.py).
    if company is None:
        return
    charge = add_charge(
        kind="other",
        description="Accompagnement projet prototype (demi-journée)",
        quantity_milli=1000,
        unit_price_cents=25000,
        source_type="demo",
        source_key="demo:company-support",
        company=company,
    )
    invoice = issue_invoice(charges=[charge], company=company)
    record_payment(invoice=invoice, amount_cents=10000, method="transfer", reference="VIR-DEMO")
