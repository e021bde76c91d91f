"""Manager pages of payments: card payments and refunds, reconciliation, prepayment policy."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.billing.forms import to_cents
from fablab.errors import DomainError
from fablab.events.models import Event, EventStatus
from fablab.extensions import db
from fablab.payments import seats
from fablab.payments.blueprint import bp
from fablab.payments.checkout import stripe_enabled
from fablab.payments.forms import PaymentSettingsForm, RefundForm
from fablab.payments.models import CheckoutRecord, CheckoutStatus, StripeEvent
from fablab.payments.reconcile import reconcile
from fablab.payments.records import lock_record
from fablab.payments.refunds import refund_checkout
from fablab.payments.settings import CATEGORIES, get_payment_settings, update_payment_settings
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


@bp.get("/manage/payments")
@manager_required
def manage_payments():
    status = request.args.get("status", "")
    query = sa.select(CheckoutRecord).order_by(CheckoutRecord.created_at.desc()).limit(300)
    if status in {s.value for s in CheckoutStatus}:
        query = query.where(CheckoutRecord.status == status)
    events = db.session.scalars(
        sa.select(StripeEvent).order_by(StripeEvent.received_at.desc()).limit(20)
    ).all()
    return render_template(
        "payments/manage.html",
        records=db.session.scalars(query).all(),
        status=status,
        statuses=[s.value for s in CheckoutStatus],
        events=events,
        stripe_on=stripe_enabled(),
    )


def _record_or_404(record_id: int) -> CheckoutRecord:
    record = db.session.get(CheckoutRecord, record_id)
    if record is None:
        abort(404)
    return record


@bp.route("/manage/payments/<int:record_id>", methods=["GET", "POST"])
@manager_required
def manage_payment(record_id: int):
    record = _record_or_404(record_id)
    form = RefundForm()
    if form.validate_on_submit():
        amount = to_cents(form.amount.data) if form.amount.data is not None else None
        try:
            locked = lock_record(record.id)
            refund_checkout(
                record=locked, amount_cents=amount, reason=form.reason.data, by=current_user
            )
            commit()
        except DomainError as error:
            rollback()
            if error.field in ("amount", "reason"):
                getattr(form, error.field).errors.append(error.message)
            else:
                flash(error.message, "error")
            record = _record_or_404(record_id)
        else:
            flash(
                _("Refunded: the customer's card is credited and a credit note issued."), "success"
            )
            return redirect(url_for("payments.manage_payment", record_id=record.id))
    status = 422 if request.method == "POST" else 200
    return render_template("payments/manage_payment.html", record=record, form=form), status


@bp.post("/manage/payments/reconcile")
@manager_required
def manage_reconcile():
    try:
        report = reconcile(now=utcnow())
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("payments.manage_payments"))
    flash(
        _(
            "%(seen)d Checkout Sessions checked, %(applied)d applied.",
            seen=report.seen,
            applied=len(report.applied),
        ),
        "success",
    )
    for line in report.failed:
        flash(line, "error")
    return redirect(url_for("payments.manage_payments"))


@bp.route("/manage/payments/settings", methods=["GET", "POST"])
@manager_required
def payment_settings():
    current = get_payment_settings()
    form = PaymentSettingsForm(obj=current)
    if form.validate_on_submit():
        prepay = {c for c in CATEGORIES if getattr(form, f"prepay_{c}").data}
        update_payment_settings(prepay=prepay, hold_minutes=form.hold_minutes.data)
        commit()
        flash(_("Payment settings saved."), "success")
        return redirect(url_for("payments.payment_settings"))
    return render_template("payments/settings.html", form=form, stripe_on=stripe_enabled())


@bp.get("/manage/payments/events")
@manager_required
def paid_events():
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.end_at > utcnow(), Event.status != EventStatus.CANCELLED.value)
        .order_by(Event.start_at)
        .limit(200)
    ).all()
    rows = [(event, seats.pay_at_desk_allowed(event)) for event in events if not event.is_free]
    return render_template("payments/events.html", rows=rows)


@bp.post("/manage/payments/events/<int:event_id>/desk")
@manager_required
def toggle_pay_at_desk(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    allowed = request.form.get("allowed") == "y"
    seats.set_pay_at_desk(event, allowed)
    commit()
    flash(
        _("Seats of this event may be paid at the desk.")
        if allowed
        else _("Seats of this event are paid by card when registering."),
        "success",
    )
    return redirect(url_for("payments.paid_events"))
