"""Everything ``flask invoices verify`` checks, in one report.

1. The documents' hash chain, position by position, and the issuing counter (a
   document deleted at the end is missing against it).
2. The payments' hash chain and counter.
3. Each stored PDF against its SHA-256.
4. Each closing: its archive's checksum, the archive chain, and the chain heads it
   recorded against today's documents and payments (a chain rewritten and rehashed
   with our own code no longer matches the heads recorded at closing).
5. Optionally, archive checksums kept outside (``--anchor``): each must still be in
   the database, so even a rewrite of the closings themselves is found.
"""

from __future__ import annotations

import sqlalchemy as sa

from fablab.billing.accounting.closings import verify_closings
from fablab.billing.chain import ChainReport, verify_chain
from fablab.billing.files import sha256
from fablab.billing.models import AccountingClosing, Invoice, InvoiceFile
from fablab.billing.payment_chain import verify_payments
from fablab.extensions import db


def verify_files() -> list[tuple[str, str]]:
    problems = []
    rows = db.session.execute(
        sa.select(Invoice.number, InvoiceFile.pdf, InvoiceFile.sha256)
        .join(InvoiceFile, InvoiceFile.invoice_id == Invoice.id)
        .order_by(Invoice.chain_seq)
    ).all()
    for number, pdf, digest in rows:
        if sha256(pdf) != digest:
            problems.append((number, "its stored PDF does not match its hash"))
    return problems


def verify_anchors(anchors: list[str]) -> list[tuple[str, str]]:
    known = set(db.session.scalars(sa.select(AccountingClosing.archive_sha256)).all())
    return [
        (anchor[:16], "no closing has this archive checksum any more")
        for anchor in anchors
        if anchor.strip().lower() not in known
    ]


def verify_all(anchors: list[str] | tuple[str, ...] = ()) -> ChainReport:
    report = verify_chain()
    for check in (verify_payments, verify_files, verify_closings):
        for label, problem in check():
            report.add(label, problem)
    for label, problem in verify_anchors(list(anchors)):
        report.add(label, problem)
    return report
