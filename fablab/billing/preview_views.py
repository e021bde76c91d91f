"""The manager's issuing pages, each with a preview before the irreversible step:
charges to invoice, "Invoice now" for one customer, the monthly invoicing run.

A preview page shows what the service would issue (computed by the service itself
in a rolled-back savepoint, fablab/billing/preview.py) with *Confirm* (a POST
carrying the preview's fingerprint) and *Cancel*. Confirming issues only when
the result is still what was shown.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.accounts.models import Company, User
from fablab.billing.blueprint import bp
from fablab.billing.forms import ConfirmIssueForm, MonthRunForm
from fablab.billing.identity import missing_seller_fields
from fablab.billing.preview import check_fingerprint
from fablab.billing.runs import (
    invoice_customer_now,
    parse_month,
    preview_customer_invoice,
    preview_monthly_invoicing,
    previous_month,
    run_monthly_invoicing,
    to_invoice,
)
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


def _default_month() -> str:
    return previous_month(to_local(utcnow()).date()).strftime("%Y-%m")


@bp.get("/billing/")
@manager_required
def dashboard():
    return render_template(
        "billing/dashboard.html",
        customers=to_invoice(),
        run_form=MonthRunForm(formdata=None, month=_default_month(), meta={"csrf": False}),
        missing_identity=missing_seller_fields(),
    )


@bp.get("/billing/run")
@manager_required
def run_preview():
    """What the monthly run would issue for ?month=YYYY-MM (default: last month)."""
    form = MonthRunForm(request.args if "month" in request.args else None, meta={"csrf": False})
    if form.month.data is None:
        form.month.data = _default_month()
    preview = None
    if form.validate():
        try:
            preview = preview_monthly_invoicing(month=parse_month(form.month.data))
        except DomainError as error:
            rollback()
            form.month.errors = [*form.month.errors, error.message]
    confirm = ConfirmIssueForm(
        formdata=None, month=form.month.data, fingerprint=preview.fingerprint if preview else ""
    )
    return render_template(
        "billing/run_preview.html",
        form=form,
        preview=preview,
        confirm=confirm,
        missing_identity=missing_seller_fields(),
    )


@bp.post("/billing/run")
@manager_required
def run_month():
    form = ConfirmIssueForm()
    month = form.month.data or ""
    if not form.validate_on_submit():
        flash(_("Check the preview, then confirm."), "error")
        return redirect(url_for("billing.run_preview", month=month or None))
    try:
        result = run_monthly_invoicing(month=parse_month(month), issued_by=current_user)
        check_fingerprint(result.invoices, form.fingerprint.data)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("billing.run_preview", month=month))
    commit()
    flash(
        _("%(month)s: %(count)d invoices issued.", month=result.month, count=len(result.invoices)),
        "success",
    )
    return redirect(url_for("billing.invoices"))


def _customer(kind: str, ident: int) -> tuple[User | None, Company | None]:
    company = db.session.get(Company, ident) if kind == "company" else None
    user = db.session.get(User, ident) if kind == "user" else None
    return user, company


@bp.get("/billing/customers/<kind>/<int:ident>/invoice")
@manager_required
def invoice_customer_preview(kind: str, ident: int):
    """The invoice "Invoice now" would issue to this customer, before it is issued."""
    user, company = _customer(kind, ident)
    if user is None and company is None:
        return redirect(url_for("billing.dashboard"))
    try:
        preview = preview_customer_invoice(user=user, company=company)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("billing.dashboard"))
    return render_template(
        "billing/invoice_preview.html",
        preview=preview,
        invoice=preview.invoices[0],
        confirm=ConfirmIssueForm(formdata=None, fingerprint=preview.fingerprint),
        kind=kind,
        ident=ident,
    )


@bp.post("/billing/customers/<kind>/<int:ident>/invoice")
@manager_required
def invoice_customer(kind: str, ident: int):
    """Issue the previewed invoice; without the preview's fingerprint, nothing is issued."""
    user, company = _customer(kind, ident)
    if user is None and company is None:
        return redirect(url_for("billing.dashboard"))
    form = ConfirmIssueForm()
    back = url_for("billing.invoice_customer_preview", kind=kind, ident=ident)
    if not form.validate_on_submit():
        flash(_("Check the preview, then confirm."), "error")
        return redirect(back)
    try:
        invoice = invoice_customer_now(user=user, company=company, issued_by=current_user)
        check_fingerprint([invoice], form.fingerprint.data)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(back)
    commit()
    flash(_("Invoice %(number)s issued.", number=invoice.number), "success")
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice.id))
