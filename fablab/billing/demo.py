"""Demo billing data: settings and one invoice partly paid."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_credit_note, issue_invoice
from fablab.billing.payments import record_payment
from fablab.billing.settings import get_billing_settings
from fablab.extensions import db


def seed_billing() -> None:
    """Runs inside the caller's transaction, after the demo accounts exist."""
    settings = get_billing_settings()
    settings.legal_form = settings.legal_form or "Association loi 1901"
    settings.registration = settings.registration or "RNA W691234567"
    member = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    if member is not None and not member.address:
        member.address = "5 place des Terreaux\n69001 Lyon"
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
    if member is not None:
        _seed_member_invoice(member)


def _seed_member_invoice(member: User) -> None:
    """A mixed-rate invoice (a book at 5.5 %), paid in cash, the book then credited."""
    book = add_charge(
        kind="consumable",
        description="Livre « Fabriquer soi-même »",
        quantity_milli=1000,
        unit_price_cents=1999,
        vat_rate_bp=550,
        source_type="demo",
        source_key="demo:book",
        user=member,
    )
    laser = add_charge(
        kind="machine_time",
        description="Découpe laser (1 h)",
        quantity_milli=4000,
        unit_price_cents=500,
        source_type="demo",
        source_key="demo:laser-hour",
        user=member,
    )
    invoice = issue_invoice(charges=[book, laser], user=member)
    record_payment(invoice=invoice, amount_cents=invoice.total_incl_cents, method="cash")
    book_line = next(line for line in invoice.lines if line.vat_rate_bp == 550)
    issue_credit_note(
        invoice=invoice,
        reason="Livre abîmé",
        amount_excl_cents=book_line.amount_excl_cents,
        line_position=book_line.position,
    )
