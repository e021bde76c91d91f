"""The manager's billing pages: charges to invoice, invoices, credit notes, payments,
unpaid invoices and reminders, exports, settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from fablab.accounts.auth import manager_required
from fablab.accounts.models import Company, User
from fablab.billing import charges as charge_service
from fablab.billing import exports
from fablab.billing.blueprint import bp
from fablab.billing.forms import (
    BillingSettingsForm,
    ChargeForm,
    CreditNoteForm,
    MembershipForm,
    PaymentForm,
    PeriodForm,
    to_cents,
    to_milli,
)
from fablab.billing.integrity import verify_all
from fablab.billing.invoices import issue_credit_note
from fablab.billing.mails import queue_invoice_mail
from fablab.billing.models import DocType, Invoice, Payment
from fablab.billing.payments import balance_of, last_reminder, record_payment, send_reminder
from fablab.billing.settings import get_billing_settings
from fablab.billing.text import rate_text
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.paging import Cursor, InvalidCursor, Keyset, count_rows, keyset_page
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback

LIST_PAGE = 50


def _today() -> date:
    return to_local(utcnow()).date()


def _fail(error: DomainError, form=None) -> None:
    rollback()
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def _customer_from(form: ChargeForm) -> tuple[User | None, Company | None]:
    user = company = None
    if form.customer_email.data:
        email = form.customer_email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            form.customer_email.errors = [_("No account with this e-mail.")]
    if form.company_id.data:
        company = db.session.get(Company, form.company_id.data)
    if user is None and company is None and not form.customer_email.errors:
        form.customer_email.errors = [_("Choose a person or a company.")]
    return user, company


@bp.route("/billing/charges/new", methods=["GET", "POST"])
@manager_required
def new_charge():
    form = ChargeForm()
    companies = db.session.scalars(sa.select(Company).order_by(Company.legal_name)).all()
    form.company_id.choices = [(0, "—")] + [(c.id, c.legal_name) for c in companies]
    if form.validate_on_submit():
        user, company = _customer_from(form)
        if user is not None or company is not None:
            try:
                charge_service.add_charge(
                    kind=form.kind.data,
                    description=form.description.data,
                    quantity_milli=to_milli(form.quantity.data),
                    unit_price_cents=to_cents(form.unit_price.data),
                    source_type="manual",
                    source_key=f"manual:{utcnow().timestamp()}:{current_user.id}",
                    user=user,
                    company=company,
                    created_by=current_user,
                )
            except DomainError as error:
                _fail(error, form)
            else:
                commit()
                flash(_("Charge recorded."), "success")
                return redirect(url_for("billing.dashboard"))
    return render_template("billing/charge_form.html", form=form)


@bp.route("/billing/memberships", methods=["GET", "POST"])
@manager_required
def memberships():
    form = MembershipForm()
    if form.validate_on_submit():
        query = sa.select(User).where(User.active.is_(True))
        if form.email.data:
            query = query.where(User.email == form.email.data.strip().lower())
        made = 0
        for user in db.session.scalars(query.order_by(User.id)).all():
            existing = charge_service.find_charge(
                "membership", f"membership:{form.year.data}:user:{user.id}"
            )
            charge = charge_service.charge_membership(
                user=user, year=form.year.data, created_by=current_user
            )
            made += 1 if charge is not None and existing is None else 0
        commit()
        flash(_("%(count)d membership fees charged.", count=made), "success")
        return redirect(url_for("billing.dashboard"))
    return render_template("billing/membership_form.html", form=form)


@bp.get("/billing/invoices")
@manager_required
def invoices():
    doc_type = request.args.get("type", "")
    query = sa.select(Invoice)
    if doc_type in (DocType.INVOICE, DocType.CREDIT_NOTE):
        query = query.where(Invoice.doc_type == doc_type)
    cursor = _cursor()
    # Issuing is serialised (the chain lock): ids follow the chain, newest first.
    page = keyset_page(query, Keyset(None, Invoice.id), cursor=cursor, limit=LIST_PAGE)
    rows = [
        (invoice, None if invoice.is_credit_note else balance_of(invoice)) for invoice in page.rows
    ]
    return render_template(
        "billing/invoices.html",
        rows=rows,
        doc_type=doc_type,
        page=page,
        total=count_rows(query, Invoice.id),
        on_first_page=cursor is None,
        filter_args={"type": doc_type} if doc_type else {},
    )


def _cursor() -> Cursor | None:
    try:
        return Cursor.from_text(request.args.get("cursor"))
    except InvalidCursor as error:
        flash(error.message, "error")
        return None


def _manager_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        abort(404)
    return invoice


@bp.route("/billing/invoices/<int:invoice_id>/credit", methods=["GET", "POST"])
@manager_required
def credit_note(invoice_id: int):
    invoice = _manager_invoice(invoice_id)
    form = CreditNoteForm()
    form.line.choices = [(0, _("All lines, in proportion to each VAT rate"))] + [
        (line.position, f"{line.position}. {line.description} ({rate_text(line.vat_rate_bp)})")
        for line in invoice.lines
    ]
    if form.validate_on_submit():
        amount = to_cents(form.amount.data) if form.amount.data is not None else None
        try:
            credit = issue_credit_note(
                invoice=invoice,
                reason=form.reason.data,
                amount_excl_cents=amount,
                issued_by=current_user,
                line_position=form.line.data or None,
            )
            queue_invoice_mail(credit)
        except DomainError as error:
            _fail(error, form)
        else:
            commit()
            flash(_("Credit note %(number)s issued.", number=credit.number), "success")
            return redirect(url_for("billing.invoice_detail", invoice_id=credit.id))
    return render_template("billing/credit_form.html", form=form, invoice=invoice)


@bp.route("/billing/invoices/<int:invoice_id>/payments", methods=["GET", "POST"])
@manager_required
def add_payment(invoice_id: int):
    invoice = _manager_invoice(invoice_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            record_payment(
                invoice=invoice,
                amount_cents=to_cents(form.amount.data),
                method=form.method.data,
                received_on=form.received_on.data,
                reference=form.reference.data or "",
                recorded_by=current_user,
            )
        except DomainError as error:
            _fail(error, form)
        else:
            commit()
            flash(_("Payment recorded."), "success")
            return redirect(url_for("billing.invoice_detail", invoice_id=invoice.id))
    elif request.method == "GET" and not invoice.is_credit_note:
        form.amount.data = Decimal(balance_of(invoice).due_cents) / 100
    return render_template("billing/payment_form.html", form=form, invoice=invoice)


@bp.get("/billing/payments")
@manager_required
def payments():
    query = sa.select(Payment).options(selectinload(Payment.invoice))
    cursor = _cursor()
    page = keyset_page(query, Keyset(None, Payment.id), cursor=cursor, limit=LIST_PAGE)
    return render_template(
        "billing/payments.html",
        payments=page.rows,
        page=page,
        total=count_rows(query, Payment.id),
        on_first_page=cursor is None,
    )


@bp.get("/billing/unpaid")
@manager_required
def unpaid():
    from fablab.billing.payments import unpaid_invoices

    rows = [(i, b, last_reminder(i)) for i, b in unpaid_invoices()]
    return render_template("billing/unpaid.html", rows=rows, today=_today())


@bp.post("/billing/invoices/<int:invoice_id>/remind")
@manager_required
def remind(invoice_id: int):
    invoice = _manager_invoice(invoice_id)
    try:
        send_reminder(invoice=invoice, sent_by=current_user)
    except DomainError as error:
        _fail(error)
    else:
        commit()
        flash(_("Reminder sent to %(email)s.", email=invoice.buyer_email), "success")
    return redirect(url_for("billing.unpaid"))


def _period() -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.args)
    form.validate()
    today = _today()
    start = form.start.data or date(today.year, 1, 1)
    end = form.end.data or today
    return form, start, end


@bp.get("/billing/exports")
@manager_required
def exports_page():
    form, start, end = _period()
    rows = exports.vat_summary(start, end)
    return render_template("billing/exports.html", form=form, start=start, end=end, rows=rows)


@bp.get("/billing/exports/journal.csv")
@manager_required
def journal_csv():
    _form, start, end = _period()
    return _csv(exports.journal_csv(start, end), f"journal-{start}-{end}.csv")


@bp.get("/billing/exports/vat.csv")
@manager_required
def vat_csv():
    _form, start, end = _period()
    return _csv(exports.vat_summary_csv(start, end), f"vat-{start}-{end}.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/billing/verify")
@manager_required
def verify():
    return render_template("billing/verify.html", report=verify_all())


FEE_FIELDS = ("member", "public", "reduced", "company")


@bp.route("/billing/settings", methods=["GET", "POST"])
@manager_required
def settings():
    current = get_billing_settings()
    form = BillingSettingsForm(obj=current)
    if request.method == "GET":
        for name in FEE_FIELDS:
            getattr(form, f"membership_fee_{name}").data = current.membership_fee_for(name) / 100
    if form.validate_on_submit():
        for name in (
            "time_policy",
            "bill_no_shows",
            "bill_late_cancellations",
            "payment_terms_days",
            "late_payment_text",
            "invoice_prefix",
            "credit_note_prefix",
            "legal_form",
            "share_capital",
            "registration",
            "vat_regime",
            "vat_on_debits",
            "late_payment_text_private",
            "reminder_days",
            "bank_iban",
            "bank_bic",
        ):
            value = getattr(form, name).data
            setattr(current, name, value.strip() if isinstance(value, str) else value)
        for name in FEE_FIELDS:
            cents = to_cents(getattr(form, f"membership_fee_{name}").data)
            setattr(current, f"membership_fee_{name}_cents", cents)
        commit()
        flash(_("Billing settings saved."), "success")
        return redirect(url_for("billing.settings"))
    return render_template("billing/settings.html", form=form)
