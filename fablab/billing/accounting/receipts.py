"""VAT on services paid on receipt ("encaissements"): the share of an invoice's VAT that
each payment makes due.

A payment makes due, per rate, the invoice's service base and VAT (net of the credit
notes issued by the payment date) in proportion to what it pays of the net total. The
shares are computed on the running total paid (after minus before), so the payments
of a fully paid invoice add up to its VAT to the cent.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from fablab.billing.models import Invoice, Payment
from fablab.billing.pricing import round_half_up
from fablab.billing.vat import is_goods
from fablab.extensions import db


def _credit_notes(invoice: Invoice, until) -> list[Invoice]:
    return list(
        db.session.scalars(
            sa.select(Invoice).where(
                Invoice.credited_invoice_id == invoice.id, Invoice.issue_date <= until
            )
        ).all()
    )


def services_on_receipt(invoice: Invoice, until) -> tuple[int, dict[int, tuple[int, int]]]:
    """(net total incl. VAT, {rate: (service base, service VAT)}) of an invoice on receipt."""
    total = invoice.total_incl_cents
    per_rate: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for document in [invoice, *_credit_notes(invoice, until)]:
        if document is not invoice:
            total += document.total_incl_cents
        if document.vat_on_debits:
            continue
        for line in document.lines:
            if not is_goods(line.kind):
                per_rate[line.vat_rate_bp][0] += line.amount_excl_cents
                per_rate[line.vat_rate_bp][1] += line.vat_cents
    return total, {rate: (base, vat) for rate, (base, vat) in per_rate.items()}


def _paid_before(payment: Payment) -> int:
    value = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_cents), 0)).where(
            Payment.invoice_id == payment.invoice_id,
            sa.or_(
                Payment.received_on < payment.received_on,
                sa.and_(Payment.received_on == payment.received_on, Payment.id < payment.id),
            ),
        )
    )
    return int(value or 0)


def payment_shares(payment: Payment) -> dict[int, tuple[int, int]]:
    """{rate: (base, VAT)} of services that this payment makes due (empty on débits)."""
    invoice = payment.invoice
    total, per_rate = services_on_receipt(invoice, payment.received_on)
    if total <= 0 or not per_rate:
        return {}
    before = min(_paid_before(payment), total)
    after = min(before + payment.amount_cents, total)
    shares = {}
    for rate, (base, vat) in per_rate.items():
        shares[rate] = (
            round_half_up(base * after, total) - round_half_up(base * before, total),
            round_half_up(vat * after, total) - round_half_up(vat * before, total),
        )
    return shares
