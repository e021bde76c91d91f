"""Tamper evidence: every issued document carries a SHA-256 hash of its content
and of the previous document's hash, in one chain over all invoices and credit
notes in issue order (``chain_seq``).

The canonical content is JSON with sorted keys and no spaces, of the number,
type, dates, seller, buyer, lines, totals, terms, the credited invoice's number
and the previous hash. Changing any of them, or removing or reordering a
document, breaks the chain from that document on; ``flask invoices verify``
names the first broken one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fablab.billing.models import DocumentCounter, Invoice
from fablab.billing.numbering import CHAIN
from fablab.extensions import db

GENESIS = "0" * 64


def canonical_content(invoice: Invoice) -> dict:
    """What the hash covers (works on a document not yet flushed).

    Version 2 (every document issued since 0009_accounting) also covers who issued
    it and when, the seller's legal identity, the VAT mention and regime, and each
    line's kind and service date: every printed field.
    """
    content = _content_v1(invoice)
    if (invoice.hash_version or 1) >= 2:
        content["hash_version"] = invoice.hash_version
        content["issued_at"] = invoice.issued_at.astimezone(UTC).isoformat(timespec="microseconds")
        content["issued_by_id"] = invoice.issued_by_id
        content["seller"].update(
            legal_form=invoice.seller_legal_form,
            share_capital=invoice.seller_share_capital,
            registration=invoice.seller_registration,
        )
        content["vat_mention"] = invoice.vat_mention
        content["vat_on_debits"] = bool(invoice.vat_on_debits)
        by_position = {line.position: line for line in invoice.lines}
        for line in content["lines"]:
            source = by_position[line["position"]]
            line["kind"] = source.kind
            line["service_date"] = source.service_date.isoformat() if source.service_date else None
    return content


def _content_v1(invoice: Invoice) -> dict:
    credited = invoice.credited_invoice.number if invoice.credited_invoice else None
    return {
        "doc_type": invoice.doc_type,
        "number": invoice.number,
        "chain_seq": invoice.chain_seq,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "period": invoice.period or "",
        "credited_invoice": credited,
        "reason": invoice.reason or "",
        "seller": {
            "name": invoice.seller_name,
            "legal_name": invoice.seller_legal_name,
            "address": invoice.seller_address,
            "siret": invoice.seller_siret,
            "vat_number": invoice.seller_vat_number,
            "email": invoice.seller_email,
        },
        "buyer": {
            "user_id": invoice.user_id,
            "company_id": invoice.company_id,
            "name": invoice.buyer_name,
            "address": invoice.buyer_address,
            "email": invoice.buyer_email,
            "siret": invoice.buyer_siret,
            "vat_number": invoice.buyer_vat_number,
        },
        "lines": [
            {
                "position": line.position,
                "description": line.description,
                "unit": line.unit,
                "quantity_milli": line.quantity_milli,
                "unit_price_cents": line.unit_price_cents,
                "vat_rate_bp": line.vat_rate_bp,
                "amount_excl_cents": line.amount_excl_cents,
                "vat_cents": line.vat_cents,
                "amount_incl_cents": line.amount_incl_cents,
            }
            for line in sorted(invoice.lines, key=lambda line: line.position)
        ],
        "totals": {
            "excl_cents": invoice.total_excl_cents,
            "vat_cents": invoice.total_vat_cents,
            "incl_cents": invoice.total_incl_cents,
        },
        "payment_terms_days": invoice.payment_terms_days,
        "late_payment_text": invoice.late_payment_text,
        "prev_hash": invoice.prev_hash,
    }


def document_hash(invoice: Invoice) -> str:
    payload = json.dumps(
        canonical_content(invoice), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def last_hash() -> str:
    """Hash of the last document in the chain (call after locking the chain)."""
    value = db.session.scalar(
        sa.select(Invoice.content_hash).order_by(Invoice.chain_seq.desc()).limit(1)
    )
    return value or GENESIS


@dataclass
class ChainReport:
    """``problems``: every broken document as (number, what is wrong), in chain order."""

    ok: bool
    count: int
    broken_number: str | None = None
    problem: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, number: str, problem: str) -> None:
        if self.ok:
            self.ok, self.broken_number, self.problem = False, number, problem
        self.problems.append((number, problem))


def chain_counter() -> int:
    """How many documents the issuing counter says were ever chained."""
    value = db.session.scalar(
        sa.select(DocumentCounter.last_number).where(
            DocumentCounter.doc_type == CHAIN, DocumentCounter.year == 0
        )
    )
    return int(value or 0)


def verify_chain(batch: int = 500) -> ChainReport:
    """Walk every document in issue order; check positions, links, hashes and the counter.

    Reports every broken document, not only the first. The issuing counter is kept
    apart from the documents: a document removed at the end of the chain leaves
    the counter ahead of the last position, and is reported.
    """
    report = ChainReport(ok=True, count=0)
    previous, expected_seq, last_seq, last_number = GENESIS, 1, 0, ""
    while True:
        documents = db.session.scalars(
            sa.select(Invoice)
            .where(Invoice.chain_seq > last_seq)
            .order_by(Invoice.chain_seq)
            .limit(batch)
            .options(selectinload(Invoice.lines), selectinload(Invoice.credited_invoice))
        ).all()
        if not documents:
            break
        for document in documents:
            problem = _check(document, previous, expected_seq)
            if problem:
                report.add(document.number, problem)
            previous = document.content_hash
            expected_seq = document.chain_seq + 1
            report.count += 1
            last_seq, last_number = document.chain_seq, document.number
    counter = chain_counter()
    if counter != last_seq:
        report.add(
            last_number or "-",
            f"the issuing counter is at {counter} but the last document is at position "
            f"{last_seq}: documents after it were deleted",
        )
    return report


def _check(document: Invoice, previous: str, expected_seq: int) -> str:
    if document.chain_seq != expected_seq:
        return f"a document is missing before it (position {expected_seq} expected)"
    if document.prev_hash != previous:
        return "its link to the previous document does not match"
    if document_hash(document) != document.content_hash:
        return "its content does not match its hash"
    return ""
