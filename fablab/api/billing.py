"""API routes for billing: the caller's invoices and credit notes."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user
from marshmallow import Schema, fields

from fablab.api.blueprint import bp
from fablab.api.helpers import login_required_api
from fablab.billing.invoices import invoices_of
from fablab.billing.models import DocType, Invoice
from fablab.billing.payments import balance_of

STATUSES = ["paid", "unpaid", "partly_paid", "cancelled"]


class InvoiceSummarySchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "F-2026-000123"})
    type = fields.String(metadata={"enum": [d.value for d in DocType]})
    issue_date = fields.Date()
    due_date = fields.Date(allow_none=True, metadata={"description": "Null for a credit note"})
    buyer = fields.String()
    company_id = fields.Integer(allow_none=True)
    credits = fields.String(allow_none=True, metadata={"description": "Credited invoice number"})
    total_excl_vat_cents = fields.Integer()
    vat_cents = fields.Integer()
    total_incl_vat_cents = fields.Integer()
    status = fields.String(
        allow_none=True, metadata={"enum": STATUSES, "description": "Null for a credit note"}
    )
    due_cents = fields.Integer(allow_none=True)
    pdf_url = fields.String()
    url = fields.String()


def invoice_json(invoice: Invoice) -> dict:
    balance = None if invoice.is_credit_note else balance_of(invoice)
    return InvoiceSummarySchema().dump(
        {
            "id": invoice.id,
            "number": invoice.number,
            "type": invoice.doc_type,
            "issue_date": invoice.issue_date,
            "due_date": None if invoice.is_credit_note else invoice.due_date,
            "buyer": invoice.buyer_name,
            "company_id": invoice.company_id,
            "credits": invoice.credited_invoice.number if invoice.credited_invoice else None,
            "total_excl_vat_cents": invoice.total_excl_cents,
            "vat_cents": invoice.total_vat_cents,
            "total_incl_vat_cents": invoice.total_incl_cents,
            "status": balance.status if balance else None,
            "due_cents": balance.due_cents if balance else None,
            "pdf_url": url_for(
                "billing.invoice_pdf_download", invoice_id=invoice.id, _external=True
            ),
            "url": url_for("billing.invoice_detail", invoice_id=invoice.id, _external=True),
        }
    )


@bp.get("/invoices")
@login_required_api
def my_invoices():
    """The caller's invoices and credit notes, and their company's for a company contact.
    ---
    get:
      summary: My invoices
      security: [{bearer: []}]
      responses:
        200:
          content:
            application/json:
              schema:
                type: array
                items: InvoiceSummarySchema
        401:
          $ref: '#/components/responses/Error'
    """
    documents = invoices_of(user=current_user)
    if current_user.company is not None and current_user.is_company_contact:
        documents += invoices_of(company=current_user.company)
    documents.sort(key=lambda invoice: invoice.chain_seq, reverse=True)
    return jsonify([invoice_json(invoice) for invoice in documents])
