"""The archive of a closed period: a zip whose manifest lists every file's SHA-256.

Contents: ``FEC.txt`` (the period's entries), ``documents.json`` (each document's
hashed content and hash), ``payments.json``, ``pdf/<number>.pdf`` (the stored PDFs),
``totals.json`` (the period's and the running totals since the first document) and
``manifest.json`` (the period, the chain heads, the previous archive's checksum, the
code version and the SHA-256 of every other file). The zip is deterministic: the
same content always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fablab.billing.accounting.fec import fec_text
from fablab.billing.chain import canonical_content
from fablab.billing.files import stored_pdf
from fablab.billing.models import DocType, Invoice, Payment
from fablab.billing.payment_chain import payment_content
from fablab.extensions import db

FIXED_TIME = (2000, 1, 1, 0, 0, 0)
CODE_VERSION = "fablab 0009_accounting"


def _json(value) -> bytes:
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


def _sums(documents: list[Invoice], payments: list[Payment]) -> dict:
    invoices = [d for d in documents if d.doc_type == DocType.INVOICE]
    credits = [d for d in documents if d.doc_type == DocType.CREDIT_NOTE]
    return {
        "invoices": len(invoices),
        "credit_notes": len(credits),
        "excl_cents": sum(d.total_excl_cents for d in documents),
        "vat_cents": sum(d.total_vat_cents for d in documents),
        "incl_cents": sum(d.total_incl_cents for d in documents),
        "payments": len(payments),
        "paid_cents": sum(p.amount_cents for p in payments),
    }


def period_records(start: date | None, end: date) -> tuple[list[Invoice], list[Payment]]:
    doc_query = sa.select(Invoice).where(Invoice.issue_date <= end)
    pay_query = sa.select(Payment).where(Payment.received_on <= end)
    if start is not None:
        doc_query = doc_query.where(Invoice.issue_date >= start)
        pay_query = pay_query.where(Payment.received_on >= start)
    documents = db.session.scalars(
        doc_query.order_by(Invoice.chain_seq).options(selectinload(Invoice.lines))
    ).all()
    payments = db.session.scalars(pay_query.order_by(Payment.received_on, Payment.id)).all()
    return list(documents), list(payments)


def period_totals(start: date, end: date) -> dict:
    """The period's totals and the running totals since the first document."""
    return {
        "period": _sums(*period_records(start, end)),
        "since_start": _sums(*period_records(None, end)),
    }


def build_archive(*, start: date, end: date, header: dict, totals: dict) -> bytes:
    documents, payments = period_records(start, end)
    files: dict[str, bytes] = {
        "FEC.txt": fec_text(start, end).encode("utf-8"),
        "documents.json": _json(
            [{"content": canonical_content(d), "content_hash": d.content_hash} for d in documents]
        ),
        "payments.json": _json(
            [
                {"content": payment_content(p, p.invoice), "content_hash": p.content_hash}
                for p in payments
            ]
        ),
        "totals.json": _json(totals),
    }
    for document in documents:
        files[f"pdf/{document.number}.pdf"] = stored_pdf(document)
    manifest = {
        **header,
        "code_version": CODE_VERSION,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files["manifest.json"] = _json(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()


def read_manifest(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return json.loads(archive.read("manifest.json"))
