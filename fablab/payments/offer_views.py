"""The offer's pages: memberships and packs to buy, quote requests and answers.

Registered on the payments blueprint (fablab/payments/web.py imports this module);
the manager's pages live in ``offer_manage_views``, imported at the bottom.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fablab.billing.payments import balance_of
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.payments import (
    offer_catalogue,
    offer_purchase,
    offer_signals,
    pack_products,
    packs,
    plans,
    quotes,
)
from fablab.payments.blueprint import bp
from fablab.payments.checkout import stripe_enabled
from fablab.payments.offer_forms import QuoteAnswerForm, QuoteRequestForm
from fablab.payments.offer_models import CatalogueService, PackProduct, Plan, Quote
from fablab.payments.offer_web import locale, pdf_response, show_error
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback

offer_signals.connect()


@bp.app_context_processor
def inject_offer_helpers():
    def company_offer(company):
        return {
            "membership": plans.active_membership(company=company),
            "packs": packs.packs_of(company=company),
            "remaining": packs.remaining_minutes(company=company),
        }

    return {"company_offer": company_offer}


def _company_of_contact():
    user = current_user
    return user.company if user.company is not None and user.is_company_contact else None


@bp.get("/offer")
@login_required
def my_offer():
    """My memberships and packs (and my company's, for a company contact), and what to buy."""
    if request.args.get("paid"):
        flash(
            _("Thank you! Your payment is being confirmed; it appears here in a moment."), "success"
        )
    company = _company_of_contact()
    employer = current_user.company
    return render_template(
        "payments/offer/my_offer.html",
        plans=[p for p in plans.list_plans(active_only=True) if not p.for_company],
        company_plans=[p for p in plans.list_plans(active_only=True) if p.for_company],
        products=pack_products.list_products(active_only=True),
        memberships=plans.memberships_of(user=current_user),
        my_packs=packs.packs_of(user=current_user),
        company=company,
        employer=employer,
        company_memberships=plans.memberships_of(company=employer) if employer else [],
        company_packs=packs.packs_of(company=employer) if employer else [],
        company_quotes=quotes.quotes_of(company) if company else [],
        stripe=stripe_enabled(),
        locale=locale(),
        now=utcnow(),
        quote_stage=quotes.stage_of,
        quote_due=_due_on_quote,
    )


def _due_on_quote(quote: Quote) -> int:
    invoice = quotes.open_invoice(quote)
    return balance_of(invoice).due_cents if invoice is not None else 0


def _finish_purchase(purchase: offer_purchase.Purchase):
    commit()
    if purchase.checkout_url:
        return redirect(purchase.checkout_url)
    flash(
        _(
            "Done. Your invoice %(number)s is to pay at the desk or by transfer.",
            number=purchase.invoice.number,
        ),
        "success",
    )
    return redirect(url_for("billing.invoice_detail", invoice_id=purchase.invoice.id))


def _urls() -> dict:
    return dict(
        success_url=url_for("payments.my_offer", paid=1, _external=True),
        cancel_url=url_for("payments.my_offer", _external=True),
    )


@bp.post("/offer/plans/<int:plan_id>/buy")
@login_required
def buy_plan(plan_id: int):
    plan = db.session.get(Plan, plan_id) or abort(404)
    try:
        purchase = offer_purchase.buy_membership(
            plan=plan, by=current_user, for_company=bool(request.form.get("for_company")), **_urls()
        )
        return _finish_purchase(purchase)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("payments.my_offer"))


@bp.post("/offer/packs/<int:product_id>/buy")
@login_required
def buy_pack(product_id: int):
    product = db.session.get(PackProduct, product_id) or abort(404)
    try:
        purchase = offer_purchase.buy_pack(
            product=product,
            by=current_user,
            for_company=bool(request.form.get("for_company")),
            **_urls(),
        )
        return _finish_purchase(purchase)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("payments.my_offer"))


@bp.post("/offer/quotes/<int:quote_id>/pay")
@login_required
def pay_quote(quote_id: int):
    """A company contact pays what the quote's invoice still asks: by card, else see the invoice."""
    quote = db.session.get(Quote, quote_id) or abort(404)
    company = _company_of_contact()
    if company is None or quote.company_id != company.id:
        abort(404)
    invoice = quotes.open_invoice(quote)
    if invoice is None:
        flash(_("Nothing is due on this quote."), "success")
        return redirect(url_for("payments.my_offer"))
    if not stripe_enabled():
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice.id))
    try:
        record = quotes.checkout_quote(quote, by=current_user, **_urls())
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("payments.my_offer"))
    return redirect(record.url)


# -- quotes: the public request form and the company's answer ---------------------------------


@bp.route("/quote-request", methods=["GET", "POST"])
def quote_request():
    """A company asks for a service of the lab's catalogue (no account needed)."""
    services = offer_catalogue.list_services(active_only=True)
    form = QuoteRequestForm()
    form.service_id.choices = [(0, _("Something else"))] + [
        (s.id, s.name(locale())) for s in services
    ]
    company = _company_of_contact() if current_user.is_authenticated else None
    if request.method == "GET":
        form.service_id.data = request.args.get("service", 0, type=int)
        if current_user.is_authenticated:
            form.contact_name.data = current_user.name
            form.contact_email.data = current_user.email
        if company is not None:
            form.company_name.data = company.legal_name
    if form.validate_on_submit():
        try:
            quotes.request_quote(
                service=db.session.get(CatalogueService, form.service_id.data or 0),
                company_name=form.company_name.data,
                company_siret=form.company_siret.data or "",
                company_address=form.company_address.data or "",
                contact_name=form.contact_name.data,
                contact_email=form.contact_email.data,
                contact_phone=form.contact_phone.data or "",
                text=form.text.data,
                locale=locale(),
                requester=current_user if current_user.is_authenticated else None,
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            return render_template("payments/offer/quote_request_done.html")
    return render_template(
        "payments/offer/quote_request.html", form=form, services=services, locale=locale()
    )


@bp.route("/quotes/answer/<token>", methods=["GET", "POST"])
def quote_public(token: str):
    """The quote as the company sees it from the e-mailed link: accept or decline."""
    quote = quotes.quote_for_token(token)
    form = QuoteAnswerForm()
    if form.validate_on_submit():
        accept = request.form.get("answer") == "accept"
        try:
            quotes.answer_quote(
                quote=quote,
                accept=accept,
                name=form.name.data,
                reason=form.reason.data or "",
                ip=request.remote_addr or "",
            )
            commit()
        except DomainError as error:
            rollback()
            flash(error.message, "error")
        else:
            flash(_("Quote accepted. Thank you!") if accept else _("Quote declined."), "success")
        return redirect(url_for("payments.quote_public", token=token))
    return render_template(
        "payments/offer/quote_public.html",
        quote=quote,
        form=form,
        token=token,
        totals=quotes.totals(quote),
        expired=quotes.is_expired(quote),
    )


@bp.get("/quotes/answer/<token>/pdf")
def quote_public_pdf(token: str):
    quote = quotes.quote_for_token(token)
    return pdf_response(quote)


from fablab.payments import offer_manage_views  # noqa: E402,F401  (the manager's routes)
