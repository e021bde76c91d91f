"""Manager pages for people: list, search, edit, deactivate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts import services
from fablab.accounts.auth import manager_required
from fablab.accounts.blueprint import bp
from fablab.accounts.forms import UserEditForm, category_label, role_label, show_error
from fablab.accounts.models import Company, Role, User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.transaction import commit, rollback

USERS_PER_PAGE = 50


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/manage/users")
@manager_required
def manage_users():
    text = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    active = request.args.get("active", "")
    page = db.paginate(
        services.search_users(text=text, role=role, active=active),
        per_page=USERS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "accounts/users.html",
        page=page,
        q=text,
        role=role,
        active=active,
        roles=[r.value for r in Role],
        role_label=role_label,
        category_label=category_label,
    )


@bp.route("/manage/users/<int:user_id>", methods=["GET", "POST"])
@manager_required
def edit_user(user_id: int):
    user = get_user_or_404(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.company_id.data = user.company_id or 0
    roles = services.assignable_roles(current_user)
    form.set_choices(
        roles if user.role in roles else [user.role, *roles],
        db.session.scalars(sa.select(Company).order_by(Company.legal_name)),
    )
    if form.validate_on_submit():
        try:
            services.update_user(
                actor=current_user,
                user=user,
                name=form.name.data,
                role=form.role.data,
                category=form.category.data,
                company=db.session.get(Company, form.company_id.data)
                if form.company_id.data
                else None,
                is_company_contact=form.is_company_contact.data,
            )
            commit()
        except DomainError as error:
            rollback()
            show_error(form, error)
        else:
            flash(_("%(name)s is saved.", name=user.display_name), "success")
            return redirect(url_for("accounts.manage_users"))
    return render_template("accounts/user_edit.html", form=form, user=user)


@bp.post("/manage/users/<int:user_id>/deactivate")
@manager_required
def deactivate_user(user_id: int):
    user = get_user_or_404(user_id)
    try:
        services.deactivate_user(actor=current_user, user=user)
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(_("%(name)s can no longer log in.", name=user.display_name), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))


@bp.post("/manage/users/<int:user_id>/reactivate")
@manager_required
def reactivate_user(user_id: int):
    user = get_user_or_404(user_id)
    try:
        services.reactivate_user(actor=current_user, user=user)
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        flash(_("%(name)s can log in again.", name=user.display_name), "success")
    return redirect(url_for("accounts.edit_user", user_id=user_id))
