"""E-mails of payments: a payment refunded (automatically, with why, or by a manager)."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _

from fablab.mail import queue_mail, render_in_locale
from fablab.payments.models import CheckoutRecord


def _recipient(record: CheckoutRecord) -> tuple[str, str]:
    if record.user is not None:
        return record.user.email, record.user.locale
    assert record.company is not None
    return record.company.contact_email, current_app.config["BABEL_DEFAULT_LOCALE"]


def queue_refund_mail(record: CheckoutRecord, *, explanation: str, amount_cents: int | None = None):
    """Tell the payer their payment is refunded and why (sent after commit)."""
    to, locale = _recipient(record)
    if not to:
        return
    subject = render_in_locale(locale, lambda: _("Your payment is refunded"))
    body = render_in_locale(
        locale,
        render_template,
        "payments/mail_refund.txt",
        record=record,
        explanation=explanation,
        amount_cents=record.amount_cents if amount_cents is None else amount_cents,
        credit_note=record.refunds[-1].credit_note if record.refunds else None,
    )
    queue_mail(to, subject, body)
