"""Demo payments data: the prepayment policy, bank details, an invoice the member can pay.

Works without Stripe keys (card buttons then stay hidden; everything else shows).
"""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_invoice
from fablab.billing.settings import get_billing_settings
from fablab.events.models import Event
from fablab.extensions import db
from fablab.payments.seats import set_pay_at_desk
from fablab.payments.settings import update_payment_settings

DEMO_IBAN = "FR7630006000011234567890189"  # a well-formed example IBAN (checksum valid)
DEMO_BIC = "AGRIFRPP"


def seed_payments() -> None:
    """Runs inside the caller's transaction, after accounts, events and billing exist."""
    update_payment_settings(prepay={"public"}, hold_minutes=15)
    billing = get_billing_settings()
    billing.bank_iban, billing.bank_bic = DEMO_IBAN, DEMO_BIC
    training = db.session.scalar(
        sa.select(Event).where(Event.kind == "training").order_by(Event.start_at).limit(1)
    )
    if training is not None:
        set_pay_at_desk(training, True)
    member = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    if member is not None:
        charge = add_charge(
            kind="consumable",
            description="Contreplaqué peuplier 3 mm, 2 plaques 600 × 300",
            quantity_milli=2000,
            unit_price_cents=750,
            source_type="demo",
            source_key="demo:member-plywood",
            user=member,
        )
        issue_invoice(charges=[charge], user=member)
    db.session.flush()
