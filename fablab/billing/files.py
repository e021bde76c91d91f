"""The PDF of an issued document is made once, at issue, and kept with its SHA-256
(a company's is a Factur-X PDF: fablab/billing/facturx.py).

It is served as stored, so what the customer received and what the inspector
downloads years later are the same bytes, whatever the code became since.
Documents issued before stored PDFs existed get theirs on first request.
"""

from __future__ import annotations

import hashlib

from fablab.billing.models import Invoice, InvoiceFile
from fablab.extensions import db
from fablab.upsert import dialect_insert


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_pdf(invoice: Invoice) -> InvoiceFile:
    """Render the document's PDF (French, its legal language) and keep it; only once."""
    from fablab.billing.pdf import invoice_pdf

    existing = db.session.get(InvoiceFile, invoice.id)
    if existing is not None:
        return existing
    data = invoice_pdf(invoice)
    if invoice.company_id is not None:  # companies get Factur-X (EN 16931)
        from fablab.billing.facturx import with_facturx

        data = with_facturx(invoice, data)
    db.session.execute(
        dialect_insert(InvoiceFile)
        .values(invoice_id=invoice.id, pdf=data, sha256=sha256(data))
        .on_conflict_do_nothing()
    )
    return db.session.get(InvoiceFile, invoice.id)


def stored_pdf(invoice: Invoice) -> bytes:
    """The stored PDF bytes (made and stored now for a document that predates storage)."""
    return store_pdf(invoice).pdf
