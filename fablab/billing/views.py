"""Billing pages for everyone: my invoices, an invoice's page and PDF.

The manager's pages share the blueprint (``fablab.billing.manage_views``).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fablab.billing.blueprint import bp
from fablab.billing.files import stored_pdf
from fablab.billing.invoices import invoices_of
from fablab.billing.models import Invoice, InvoiceReminder, Payment
from fablab.billing.payments import balance_of
from fablab.billing.text import decimal_text, quantity_text, rate_text, seller_lines, service_text
from fablab.billing.vat import breakdown
from fablab.extensions import db
from fablab.formatting import format_date
from fablab.transaction import commit

STATUS_LABELS = {
    "paid": _l("Paid"),
    "unpaid": _l("Unpaid"),
    "partly_paid": _l("Partly paid"),
    "cancelled": _l("Cancelled by credit note"),
}
METHOD_LABELS = {
    "cash": _l("Cash"),
    "card": _l("Card terminal"),
    "transfer": _l("Bank transfer"),
    "cheque": _l("Cheque"),
    "stripe": _l("Online card payment"),
}


@bp.app_template_filter("billdate")
def billdate(value: date | None) -> str:
    return format_date(value, "short") if value else ""


@bp.app_context_processor
def inject_billing_helpers():
    return {
        "invoice_status_label": lambda status: STATUS_LABELS.get(status, status),
        "payment_method_label": lambda method: METHOD_LABELS.get(method, method),
        "quantity_text": quantity_text,
        "rate_text": rate_text,
        "decimal_text": decimal_text,
        "seller_lines": seller_lines,
        "service_text": service_text,
        "vat_breakdown": breakdown,
    }


def can_see(user, invoice: Invoice) -> bool:
    """Managers; the person billed; the contacts of the company billed."""
    if not user.is_authenticated:
        return False
    if user.is_manager:
        return True
    if invoice.company_id is not None:
        return user.company_id == invoice.company_id and user.is_company_contact
    return invoice.user_id == user.id


def get_visible_invoice(invoice_id: int) -> Invoice:
    """The document, or 404 when it does not exist or is not the caller's."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or not can_see(current_user, invoice):
        abort(404)
    return invoice


@bp.get("/invoices/mine")
@login_required
def my_invoices():
    company = current_user.company if current_user.is_company_contact else None
    mine = [(i, balance_of(i)) for i in invoices_of(user=current_user)]
    company_rows = [(i, balance_of(i)) for i in invoices_of(company=company)] if company else []
    return render_template(
        "billing/my_invoices.html", mine=mine, company=company, company_rows=company_rows
    )


@bp.get("/invoices/<int:invoice_id>")
@login_required
def invoice_detail(invoice_id: int):
    invoice = get_visible_invoice(invoice_id)
    credit_notes = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.credited_invoice_id == invoice.id)
        .order_by(Invoice.chain_seq)
    ).all()
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.received_on)
    ).all()
    reminders = db.session.scalars(
        sa.select(InvoiceReminder)
        .where(InvoiceReminder.invoice_id == invoice.id)
        .order_by(InvoiceReminder.sent_at)
    ).all()
    return render_template(
        "billing/invoice.html",
        invoice=invoice,
        reminders=reminders,
        balance=balance_of(invoice) if not invoice.is_credit_note else None,
        credit_notes=credit_notes,
        payments=payments,
    )


@bp.get("/invoices/<int:invoice_id>.pdf")
@login_required
def invoice_pdf_download(invoice_id: int):
    invoice = get_visible_invoice(invoice_id)
    data = stored_pdf(invoice)
    commit()  # a document issued before PDFs were stored keeps the one made now
    return (
        data,
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{invoice.number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


# The manager's routes share the blueprint: importing the modules registers them.
from fablab.billing import manage_views, preview_views  # noqa: E402,F401
from fablab.billing.accounting import views as accounting_views  # noqa: E402,F401
