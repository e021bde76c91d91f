"""Member pages of payments: pay an invoice by card, come back from Stripe.

Also the template helpers every page may use: ``stripe_enabled()`` (card
buttons are hidden without keys), ``can_pay_invoice(invoice)``,
``bank_details()`` and ``company_due_cents(company)``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fablab.billing import pricing
from fablab.billing.charges import payer_for
from fablab.billing.models import Invoice
from fablab.billing.payments import balance_of
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.settings import get_settings
from fablab.payments import invoice_payment, seats, slots
from fablab.payments.blueprint import bp
from fablab.payments.checkout import stripe_enabled
from fablab.payments.models import CheckoutRecord
from fablab.payments.settings import get_payment_settings
from fablab.payments.sync import sync_record
from fablab.payments.views_helpers import bank_details, company_due_cents, return_urls
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback

STATUS_LABELS = {
    "pending": _l("Waiting for payment"),
    "paid": _l("Paid"),
    "expired": _l("Expired"),
    "refunded": _l("Refunded"),
    "failed": _l("Payment refused"),
}


@bp.app_context_processor
def inject_payment_helpers():
    def can_pay_invoice(invoice: Invoice) -> bool:
        if not (stripe_enabled() and current_user.is_authenticated) or invoice.is_credit_note:
            return False
        if not invoice_payment.can_pay(current_user, invoice):
            return False
        return balance_of(invoice).due_cents > 0

    return {
        "stripe_enabled": stripe_enabled,
        "can_pay_invoice": can_pay_invoice,
        "bank_details": bank_details,
        "company_due_cents": company_due_cents,
        "checkout_status_label": lambda status: STATUS_LABELS.get(status, status),
        "prepay_notice": prepay_notice,
        "seat_price": lambda event: seats.seat_price(
            event, current_user if current_user.is_authenticated else None
        ),
    }


def prepay_notice(machine) -> dict | None:
    """For the booking form: the hourly price (VAT incl.) when this person prepays by card."""
    if not current_user.is_authenticated or not slots.must_prepay(current_user):
        return None
    _payer, category = payer_for(current_user, None)
    hourly = machine.rate_for(category)
    return {
        "hourly_incl_cents": hourly + pricing.line_vat(hourly, get_settings().vat_rate_bp),
        "hold_minutes": get_payment_settings().hold_minutes,
    }


@bp.post("/invoices/<int:invoice_id>/pay")
@login_required
def pay_invoice(invoice_id: int):
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or not invoice_payment.can_pay(current_user, invoice):
        abort(404)
    success_url, cancel_url = return_urls()
    try:
        record = invoice_payment.pay_invoice_by_card(
            invoice=invoice, user=current_user, success_url=success_url, cancel_url=cancel_url
        )
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice.id))
    return redirect(record.url, 303)


def get_own_record_or_404(record_id: int) -> CheckoutRecord:
    record = db.session.get(CheckoutRecord, record_id)
    if record is None:
        abort(404)
    mine = record.user_id == current_user.id or (
        record.company_id is not None
        and record.company_id == current_user.company_id
        and current_user.is_company_contact
    )
    if not (mine or current_user.is_manager):
        abort(404)
    return record


@bp.get("/payments/return")
@login_required
def checkout_return():
    """Back from Stripe (``?session_id=cs_…``): apply the session if its webhook is late."""
    if request.args.get("result") == "cancel":
        flash(_("The payment was not completed: nothing was charged."), "warning")
        return render_template("payments/return.html", record=None, cancelled=True)
    record = db.session.scalar(
        db.select(CheckoutRecord).where(
            CheckoutRecord.stripe_session_id == request.args.get("session_id", "")
        )
    )
    if record is None:
        abort(404)
    record = get_own_record_or_404(record.id)
    try:
        sync_record(record, now=utcnow())
        commit()
    except DomainError:
        rollback()
    db.session.refresh(record)
    return render_template("payments/return.html", record=record, cancelled=False)


@bp.get("/payments/mine")
@login_required
def my_payments():
    records = db.session.scalars(
        db.select(CheckoutRecord)
        .where(CheckoutRecord.user_id == current_user.id)
        .order_by(CheckoutRecord.created_at.desc())
        .limit(200)
    ).all()
    return render_template("payments/mine.html", records=records)
