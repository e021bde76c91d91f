"""The manager's pages of the offer: plans, pack products, catalogue services, sales at
the desk, packs report, quotes pipeline and quote editing."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.accounts.models import Company, User
from fablab.billing.forms import to_cents, to_milli
from fablab.billing.mails import queue_invoice_mail
from fablab.billing.models import Invoice
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.payments import offer_catalogue, pack_products, packs, plans, quotes
from fablab.payments.blueprint import bp
from fablab.payments.offer_forms import (
    GrantForm,
    PackProductForm,
    PlanForm,
    QuoteDraftForm,
    ServiceForm,
)
from fablab.payments.offer_mails import queue_quote_mail
from fablab.payments.offer_models import CatalogueService, Membership, PackProduct, Plan, Quote
from fablab.payments.offer_web import locale, pdf_response, show_error
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


@bp.get("/manage/offer")
@manager_required
def offer_manage():
    sold, report = packs.pack_report()
    recent = db.session.scalars(
        sa.select(Membership)
        .where(Membership.status != "pending")
        .order_by(Membership.created_at.desc())
        .limit(50)
    ).all()
    return render_template(
        "payments/offer/manage.html",
        plans=plans.list_plans(),
        products=pack_products.list_products(),
        services=offer_catalogue.list_services(),
        packs=sold,
        report=report,
        memberships=recent,
        locale=locale(),
    )


def _save(form, save, success_message: str):
    try:
        save()
    except DomainError as error:
        rollback()
        show_error(form, error)
        return None
    commit()
    flash(success_message, "success")
    return redirect(url_for("payments.offer_manage"))


@bp.route("/manage/offer/plans/new", methods=["GET", "POST"], defaults={"plan_id": None})
@bp.route("/manage/offer/plans/<int:plan_id>", methods=["GET", "POST"])
@manager_required
def plan_edit(plan_id: int | None):
    plan = db.session.get(Plan, plan_id) or abort(404) if plan_id else None
    form = PlanForm(obj=plan)
    if request.method == "GET" and plan is not None:
        form.price.data = Decimal(plan.price_cents) / 100
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: plans.save_plan(
                plan=plan,
                name_fr=form.name_fr.data,
                name_en=form.name_en.data or "",
                price_cents=to_cents(form.price.data),
                validity_months=form.validity_months.data,
                category=form.category.data,
                for_company=form.for_company.data,
                max_employees=form.max_employees.data,
                active=form.active.data,
            ),
            _("Plan saved."),
        )
        if done:
            return done
    title = _("New membership plan") if plan is None else plan.name(locale())
    return render_template("payments/offer/form.html", form=form, title=title)


@bp.route("/manage/offer/packs/new", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/manage/offer/packs/<int:product_id>", methods=["GET", "POST"])
@manager_required
def pack_product_edit(product_id: int | None):
    product = db.session.get(PackProduct, product_id) or abort(404) if product_id else None
    form = PackProductForm(obj=product)
    if request.method == "GET" and product is not None:
        form.price.data = Decimal(product.price_cents) / 100
        form.hours.data = Decimal(product.minutes) / 60
        form.machine_kinds.data = product.kinds
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: pack_products.save_product(
                product=product,
                name_fr=form.name_fr.data,
                name_en=form.name_en.data or "",
                minutes=int(form.hours.data * 60),
                price_cents=to_cents(form.price.data),
                validity_months=form.validity_months.data,
                machine_kinds=form.machine_kinds.data,
                active=form.active.data,
            ),
            _("Pack saved."),
        )
        if done:
            return done
    title = _("New prepaid pack") if product is None else product.name(locale())
    return render_template("payments/offer/form.html", form=form, title=title)


@bp.route("/manage/offer/services/new", methods=["GET", "POST"], defaults={"service_id": None})
@bp.route("/manage/offer/services/<int:service_id>", methods=["GET", "POST"])
@manager_required
def service_edit(service_id: int | None):
    service = db.session.get(CatalogueService, service_id) or abort(404) if service_id else None
    form = ServiceForm(obj=service)
    if request.method == "GET" and service is not None:
        form.unit_price.data = Decimal(service.unit_price_cents) / 100
    if form.validate_on_submit():
        done = _save(
            form,
            lambda: offer_catalogue.save_service(
                service=service,
                kind=form.kind.data,
                name_fr=form.name_fr.data,
                name_en=form.name_en.data or "",
                description_fr=form.description_fr.data or "",
                description_en=form.description_en.data or "",
                unit=form.unit.data,
                unit_price_cents=to_cents(form.unit_price.data),
                active=form.active.data,
            ),
            _("Service saved."),
        )
        if done:
            return done
    title = _("New catalogue service") if service is None else service.name(locale())
    return render_template("payments/offer/form.html", form=form, title=title)


def _grant_choices() -> list[tuple[str, str]]:
    loc = locale()
    return [
        (f"plan:{p.id}", _("Membership: %(name)s", name=p.name(loc))) for p in plans.list_plans()
    ] + [
        (f"pack:{p.id}", _("Pack: %(name)s", name=p.name(loc)))
        for p in pack_products.list_products()
    ]


@bp.route("/manage/offer/sell", methods=["GET", "POST"])
@manager_required
def offer_sell():
    """Sell a membership or a pack at the desk: the invoice is issued, the payment recorded."""
    form = GrantForm()
    form.item.choices = _grant_choices()
    form.company_id.choices = [(0, "—")] + [
        (c.id, c.legal_name)
        for c in db.session.scalars(sa.select(Company).order_by(Company.legal_name))
    ]
    if form.validate_on_submit():
        try:
            invoice = _sell(form)
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            queue_invoice_mail(invoice)
            commit()
            flash(_("Sold: invoice %(number)s issued.", number=invoice.number), "success")
            return redirect(url_for("billing.invoice_detail", invoice_id=invoice.id))
    return render_template("payments/offer/form.html", form=form, title=_("Sell at the desk"))


def _sell(form: GrantForm):
    user = None
    if form.email.data:
        user = db.session.scalar(
            sa.select(User).where(User.email == form.email.data.strip().lower())
        )
        if user is None:
            raise DomainError(_("No account with this e-mail."), field="email")
    company = db.session.get(Company, form.company_id.data) if form.company_id.data else None
    if (user is None) == (company is None):
        raise DomainError(_("Give a person or a company."), field="email")
    kind, _sep, item_id = form.item.data.partition(":")
    method = form.method.data or None
    if kind == "plan":
        plan = db.session.get(Plan, int(item_id)) or abort(404)
        item = plans.buy_on_invoice(
            plan=plan, by=current_user, user=user, company=company, paid_with=method
        )
    else:
        product = db.session.get(PackProduct, int(item_id)) or abort(404)
        item = packs.buy_on_invoice(
            product=product, by=current_user, user=user, company=company, paid_with=method
        )
    return db.session.get(Invoice, item.invoice_id)


# -- quotes -------------------------------------------------------------------------------------


@bp.get("/manage/quotes")
@manager_required
def quote_pipeline():
    return render_template(
        "payments/offer/pipeline.html", stages=quotes.pipeline(), stage_of=quotes.stage_of
    )


def _get_quote(quote_id: int) -> Quote:
    return db.session.get(Quote, quote_id) or abort(404)


def _draft_form(quote: Quote) -> QuoteDraftForm:
    form = QuoteDraftForm()
    form.company_id.choices = [(0, _("Made from the request on invoicing"))] + [
        (c.id, c.legal_name)
        for c in db.session.scalars(sa.select(Company).order_by(Company.legal_name))
    ]
    if request.method == "GET":
        form.company_id.data = quote.company_id or 0
        form.notes.data = quote.notes
        form.deposit_percent.data = quote.deposit_percent
        form.vat_rate.data = Decimal(quote.vat_rate_bp) / 100
        form.valid_until.data = quote.valid_until
        for entry, line in zip(form.lines.entries, quote.lines, strict=False):
            entry.form.description.data = line.description
            entry.form.quantity.data = Decimal(line.quantity_milli) / 1000
            entry.form.unit.data = line.unit
            entry.form.unit_price.data = Decimal(line.unit_price_cents) / 100
        if not quote.lines and quote.service is not None:
            first = form.lines.entries[0].form
            first.description.data = quote.service.name_fr
            first.unit.data = quote.service.unit
            first.unit_price.data = Decimal(quote.service.unit_price_cents) / 100
    return form


def _line_inputs(form: QuoteDraftForm) -> list[quotes.LineInput]:
    lines = []
    for entry in form.lines.entries:
        line = entry.form
        if not (line.description.data or "").strip():
            continue
        lines.append(
            quotes.LineInput(
                description=line.description.data,
                quantity_milli=to_milli(line.quantity.data or Decimal(1)),
                unit_price_cents=to_cents(line.unit_price.data or Decimal(0)),
                unit=(line.unit.data or "unit").strip(),
            )
        )
    return lines


@bp.route("/manage/quotes/<int:quote_id>", methods=["GET", "POST"])
@manager_required
def quote_detail(quote_id: int):
    quote = _get_quote(quote_id)
    form = _draft_form(quote)
    if quote.status in quotes.EDITABLE and form.validate_on_submit():
        try:
            quotes.save_draft(
                quote=quote,
                lines=_line_inputs(form),
                vat_rate_bp=int(form.vat_rate.data * 100),
                valid_until=form.valid_until.data,
                deposit_percent=form.deposit_percent.data or 0,
                notes=form.notes.data or "",
                company=db.session.get(Company, form.company_id.data)
                if form.company_id.data
                else None,
            )
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            commit()
            flash(_("Quote saved."), "success")
            return redirect(url_for("payments.quote_detail", quote_id=quote.id))
    return render_template(
        "payments/offer/quote_detail.html",
        quote=quote,
        form=form,
        totals=quotes.totals(quote),
        stage=quotes.stage_of(quote),
        today=to_local(utcnow()).date(),
    )


def _quote_action(quote_id: int, action, message: str):
    quote = _get_quote(quote_id)
    try:
        action(quote)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        commit()
        flash(message, "success")
    return redirect(url_for("payments.quote_detail", quote_id=quote_id))


@bp.post("/manage/quotes/<int:quote_id>/send")
@manager_required
def quote_send(quote_id: int):
    def send(quote: Quote) -> None:
        token = quotes.send_quote(quote=quote)
        queue_quote_mail(quote, token)

    return _quote_action(quote_id, send, _("Quote sent to the company."))


@bp.post("/manage/quotes/<int:quote_id>/deposit")
@manager_required
def quote_deposit(quote_id: int):
    def deposit(quote: Quote) -> None:
        queue_invoice_mail(quotes.invoice_deposit(quote=quote, by=current_user))

    return _quote_action(quote_id, deposit, _("Deposit invoice issued."))


@bp.post("/manage/quotes/<int:quote_id>/invoice")
@manager_required
def quote_invoice(quote_id: int):
    def invoice(quote: Quote) -> None:
        queue_invoice_mail(quotes.invoice_quote(quote=quote, by=current_user))

    return _quote_action(quote_id, invoice, _("Invoice issued."))


@bp.get("/manage/quotes/<int:quote_id>/pdf")
@manager_required
def quote_pdf_download(quote_id: int):
    quote = _get_quote(quote_id)
    if quote.number is None:
        abort(404)
    return pdf_response(quote)
