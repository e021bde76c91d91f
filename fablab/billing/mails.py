"""E-mails of billing: a new invoice or credit note (with its PDF), a payment reminder."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from fablab.billing.models import Invoice
from fablab.mail import Attachment, queue_mail, render_in_locale
from fablab.urls import external_url


def _recipient_locale(invoice: Invoice) -> str:
    if invoice.user is not None and invoice.company_id is None:
        return invoice.user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _link(invoice: Invoice) -> str:
    return external_url("billing.invoice_detail", invoice_id=invoice.id)


def queue_invoice_mail(invoice: Invoice) -> None:
    """Send the document to its buyer, PDF attached (after commit)."""
    from fablab.billing.files import stored_pdf

    if not invoice.buyer_email:
        return
    locale = _recipient_locale(invoice)
    subject = render_in_locale(
        locale,
        lambda: (
            _("Credit note %(number)s", number=invoice.number)
            if invoice.is_credit_note
            else _("Invoice %(number)s", number=invoice.number)
        ),
    )
    body = render_in_locale(
        locale, render_template, "billing/mail_invoice.txt", invoice=invoice, link=_link(invoice)
    )
    pdf = Attachment(f"{invoice.number}.pdf", stored_pdf(invoice), "application/pdf")
    queue_mail(invoice.buyer_email, subject, body, attachments=[pdf])


def queue_reminder_mail(invoice: Invoice, due_cents: int) -> None:
    locale = _recipient_locale(invoice)
    subject = render_in_locale(
        locale, lambda: _("Payment reminder: invoice %(number)s", number=invoice.number)
    )
    body = render_in_locale(
        locale,
        render_template,
        "billing/mail_reminder.txt",
        invoice=invoice,
        due_cents=due_cents,
        link=_link(invoice),
    )
    queue_mail(invoice.buyer_email, subject, body)
