"""Payments are chained too: each one hashes its content, its invoice's hash and the
previous payment's hash. A payment edited, inserted or removed afterwards is found
by ``flask invoices verify`` (the database also refuses their deletion).

Payments recorded before 0009_accounting have no position and are not chained.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa

from fablab.billing.chain import GENESIS
from fablab.billing.models import DocumentCounter, Invoice, Payment
from fablab.billing.numbering import next_number
from fablab.extensions import db

PAYMENT_CHAIN = "payment_chain"


def payment_content(payment: Payment, invoice: Invoice) -> dict:
    return {
        "chain_seq": payment.chain_seq,
        "invoice": invoice.number,
        "invoice_hash": invoice.content_hash,
        "amount_cents": payment.amount_cents,
        "method": payment.method,
        "received_on": payment.received_on.isoformat(),
        "reference": payment.reference or "",
        "recorded_by_id": payment.recorded_by_id,
        "created_at": payment.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "prev_hash": payment.prev_hash,
    }


def payment_hash(payment: Payment, invoice: Invoice) -> str:
    payload = json.dumps(
        payment_content(payment, invoice), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def last_payment() -> Payment | None:
    return db.session.scalar(
        sa.select(Payment)
        .where(Payment.chain_seq.is_not(None))
        .order_by(Payment.chain_seq.desc())
        .limit(1)
    )


def chain_payment(payment: Payment, invoice: Invoice) -> None:
    """Give a new payment its position and hash (locks the payment counter until commit)."""
    payment.chain_seq = next_number(PAYMENT_CHAIN, 0)
    previous = last_payment()
    payment.prev_hash = previous.content_hash if previous is not None else GENESIS
    payment.content_hash = payment_hash(payment, invoice)


def payment_counter() -> int:
    value = db.session.scalar(
        sa.select(DocumentCounter.last_number).where(
            DocumentCounter.doc_type == PAYMENT_CHAIN, DocumentCounter.year == 0
        )
    )
    return int(value or 0)


def verify_payments() -> list[tuple[str, str]]:
    """Every broken payment as (label, problem); empty when the payment chain is intact."""
    problems: list[tuple[str, str]] = []
    previous, expected, last_seq = GENESIS, 1, 0
    rows = db.session.execute(
        sa.select(Payment, Invoice)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.chain_seq.is_not(None))
        .order_by(Payment.chain_seq)
    ).all()
    for payment, invoice in rows:
        label = f"payment #{payment.chain_seq} ({invoice.number})"
        if payment.chain_seq != expected:
            problems.append((label, f"a payment is missing before it ({expected} expected)"))
        elif payment.prev_hash != previous:
            problems.append((label, "its link to the previous payment does not match"))
        elif payment_hash(payment, invoice) != payment.content_hash:
            problems.append((label, "its content does not match its hash"))
        previous, expected, last_seq = (
            payment.content_hash,
            payment.chain_seq + 1,
            payment.chain_seq,
        )
    if payment_counter() != last_seq:
        problems.append(
            ("payments", f"the payment counter is at {payment_counter()}: payments were deleted")
        )
    return problems
