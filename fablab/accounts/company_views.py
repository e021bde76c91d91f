"""Company pages: manager CRUD, "my company" for a company contact, invitations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fablab.accounts import companies
from fablab.accounts.auth import manager_required
from fablab.accounts.blueprint import bp
from fablab.accounts.forms import CompanyForm, InviteForm, category_label, show_error
from fablab.accounts.models import Company, CompanyInvitation, User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.transaction import commit, rollback


def get_company_or_404(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    return company


def contact_company() -> Company:
    """The company the current user is the contact of, or 403."""
    if not current_user.is_company_contact or current_user.company is None:
        abort(403)
    return current_user.company


def render_company(company: Company, *, manage: bool, invite_form=None, status: int = 200):
    return render_template(
        "accounts/company_detail.html",
        company=company,
        manage=manage,
        employees=sorted(company.employees, key=lambda u: (u.name.lower(), u.email)),
        invitations=companies.pending_invitations(company),
        invite_form=invite_form or InviteForm(),
        category_label=category_label,
    ), status


def company_url(company: Company, manage: bool) -> str:
    if manage:
        return url_for("accounts.company_detail", company_id=company.id)
    return url_for("accounts.my_company")


# --- manager CRUD -------------------------------------------------------------


@bp.get("/manage/companies")
@manager_required
def manage_companies():
    text = request.args.get("q", "")[:100]
    page = db.paginate(companies.list_companies(text=text), per_page=50, error_out=False)
    return render_template("accounts/companies.html", page=page, q=text)


@bp.route("/manage/companies/new", methods=["GET", "POST"])
@manager_required
def new_company():
    return _company_form(None)


@bp.route("/manage/companies/<int:company_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_company(company_id: int):
    return _company_form(get_company_or_404(company_id))


def _company_form(company: Company | None):
    form = CompanyForm(obj=company)
    if form.validate_on_submit():
        try:
            company = companies.save_company(
                company=company,
                legal_name=form.legal_name.data,
                siret=form.siret.data,
                vat_number=form.vat_number.data,
                billing_address=form.billing_address.data,
                contact_email=form.contact_email.data,
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            flash(_("%(name)s is saved.", name=company.legal_name), "success")
            return redirect(url_for("accounts.company_detail", company_id=company.id))
    return render_template("accounts/company_form.html", form=form, company=company)


@bp.get("/manage/companies/<int:company_id>")
@manager_required
def company_detail(company_id: int):
    return render_company(get_company_or_404(company_id), manage=True)


@bp.post("/manage/companies/<int:company_id>/invite")
@manager_required
def manager_invite(company_id: int):
    return _invite(get_company_or_404(company_id), manage=True)


@bp.post("/manage/companies/<int:company_id>/employees/<int:user_id>/remove")
@manager_required
def manager_remove_employee(company_id: int, user_id: int):
    return _remove(get_company_or_404(company_id), user_id, manage=True)


@bp.post("/manage/companies/<int:company_id>/invitations/<int:invitation_id>/cancel")
@manager_required
def manager_cancel_invitation(company_id: int, invitation_id: int):
    return _cancel(get_company_or_404(company_id), invitation_id, manage=True)


# --- the company contact's pages ---------------------------------------------


@bp.get("/my-company")
@login_required
def my_company():
    return render_company(contact_company(), manage=False)


@bp.post("/my-company/invite")
@login_required
def contact_invite():
    return _invite(contact_company(), manage=False)


@bp.post("/my-company/employees/<int:user_id>/remove")
@login_required
def contact_remove_employee(user_id: int):
    return _remove(contact_company(), user_id, manage=False)


@bp.post("/my-company/invitations/<int:invitation_id>/cancel")
@login_required
def contact_cancel_invitation(invitation_id: int):
    return _cancel(contact_company(), invitation_id, manage=False)


def _invite(company: Company, *, manage: bool):
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = companies.invite_employee(
                company=company, email=form.email.data, invited_by=current_user
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            flash(_("An invitation has been sent to %(email)s.", email=invitation.email), "success")
            return redirect(company_url(company, manage))
    return render_company(company, manage=manage, invite_form=form, status=422)


def _remove(company: Company, user_id: int, *, manage: bool):
    user = db.session.get(User, user_id)
    if user is None or user.company_id != company.id:
        abort(404)
    try:
        companies.remove_employee(company=company, user=user, actor=current_user)
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(
            _(
                "%(name)s no longer belongs to %(company)s.",
                name=user.display_name,
                company=company.legal_name,
            ),
            "success",
        )
    return redirect(company_url(company, manage))


def _cancel(company: Company, invitation_id: int, *, manage: bool):
    invitation = db.session.get(CompanyInvitation, invitation_id)
    if invitation is None or invitation.company_id != company.id:
        abort(404)
    companies.cancel_invitation(company=company, invitation=invitation)
    commit()
    flash(_("The invitation is cancelled."), "success")
    return redirect(company_url(company, manage))


# --- joining by invitation -----------------------------------------------------


@bp.route("/companies/join/<token>", methods=["GET", "POST"])
def join_company(token: str):
    try:
        invitation = companies.invitation_for_token(token)
    except DomainError as error:
        return render_template("accounts/join_invalid.html", message=error.message), 404
    if request.method == "POST" and current_user.is_authenticated:
        try:
            companies.accept_invitation(invitation=invitation, user=current_user)
            commit()
        except DomainError as error:
            rollback()
            flash(error.message, "error")
        else:
            flash(
                _("You now belong to %(company)s.", company=invitation.company.legal_name),
                "success",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/join.html", invitation=invitation, token=token)
