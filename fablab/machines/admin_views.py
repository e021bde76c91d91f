"""Manager pages of the machines domain: lab settings, opening hours, qualifications, closures."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from fablab.accounts.auth import manager_required
from fablab.accounts.models import User
from fablab.accounts.services import find_user_by_email
from fablab.extensions import db
from fablab.machines.blueprint import bp
from fablab.machines.fields import choice
from fablab.machines.forms import (
    WEEKDAYS,
    ClosureForm,
    GrantForm,
    OpeningHoursForm,
    QualificationForm,
    SettingsForm,
)
from fablab.machines.lab import (
    SettingsError,
    format_intervals,
    opening_hours_by_weekday,
    set_opening_hours,
    update_settings,
)
from fablab.machines.models import Closure, Machine, Qualification, UserQualification
from fablab.machines.services import (
    ClosureError,
    QualificationError,
    add_closure,
    grant_qualification,
    remove_closure,
    revoke_qualification,
    save_qualification,
    upcoming_closures,
)
from fablab.machines.settings import get_settings
from fablab.machines.zone import local_to_utc
from fablab.paging import Cursor, InvalidCursor, Keyset, count_rows, keyset_page
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


def form_page(template: str, form, **context):
    """Render a form page; 422 when the submitted form had errors."""
    return render_template(template, form=form, **context), (422 if form.errors else 200)


def field_error(form, error, default: str) -> None:
    name = error.field if error.field and error.field in form else default
    form[name].errors.append(error.message)


@bp.route("/settings", methods=["GET", "POST"])
@manager_required
def settings():
    lab = get_settings()
    form = SettingsForm(obj=lab)
    if form.validate_on_submit():
        try:
            update_settings(values=form.settings_values())
        except SettingsError as error:
            rollback()
            field_error(form, error, "name")
        else:
            commit()
            flash(_("Lab settings saved."), "success")
            return redirect(url_for("machines.settings"))
    return form_page(
        "machines/settings.html",
        form,
        week=opening_hours_by_weekday(),
        weekdays=WEEKDAYS,
        closures=upcoming_closures(now=utcnow()),
    )


@bp.route("/settings/hours", methods=["GET", "POST"])
@manager_required
def opening_hours():
    form = OpeningHoursForm()
    if request.method == "GET":
        for weekday, rows in opening_hours_by_weekday().items():
            form[f"day_{weekday}"].data = format_intervals(rows)
    if form.validate_on_submit():
        try:
            set_opening_hours(week=form.week)
        except SettingsError as error:
            rollback()
            form[f"day_{error.details.get('weekday', 0)}"].errors.append(error.message)
        else:
            commit()
            flash(_("Opening hours saved."), "success")
            return redirect(url_for("machines.settings"))
    return form_page("machines/hours.html", form)


# --- qualifications ---------------------------------------------------------------------------


def get_qualification(qualification_id: int) -> Qualification:
    qualification = db.session.get(Qualification, qualification_id)
    if qualification is None:
        abort(404)
    return qualification


@bp.get("/qualifications")
@manager_required
def qualifications():
    rows = db.session.scalars(sa.select(Qualification).order_by(Qualification.name)).all()
    counts = dict(
        db.session.execute(
            sa.select(UserQualification.qualification_id, sa.func.count()).group_by(
                UserQualification.qualification_id
            )
        ).all()
    )
    return render_template("machines/qualifications.html", qualifications=rows, counts=counts)


@bp.route("/qualifications/new", methods=["GET", "POST"])
@bp.route("/qualifications/<int:qualification_id>/edit", methods=["GET", "POST"])
@manager_required
def edit_qualification(qualification_id: int | None = None):
    qualification = get_qualification(qualification_id) if qualification_id else None
    form = QualificationForm(obj=qualification)
    if form.validate_on_submit():
        try:
            saved = save_qualification(
                name=form.name.data,
                description=form.description.data or "",
                validity_months=form.validity_months.data,
                qualification=qualification,
            )
            commit()
        except QualificationError as error:
            rollback()
            field_error(form, error, "name")
        except IntegrityError:  # the same name saved at the same moment
            rollback()
            form.name.errors.append(_("A qualification already has this name."))
        else:
            flash(_("Qualification “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("machines.qualification", qualification_id=saved.id))
    return form_page("machines/qualification_form.html", form, qualification=qualification)


def grant_from_form(form: GrantForm, qualification: Qualification) -> User | None:
    """Grant the qualification to the person named in the form; None (with errors) if not."""
    user = find_user_by_email(form.email.data or "")
    if user is None:
        form.email.errors.append(_("No account uses this e-mail address."))
        return None
    expires_at = None
    if form.expires_on.data:
        # Valid through the whole chosen day, in the lab's time.
        expires_at = local_to_utc(form.expires_on.data + timedelta(days=1), time(0))
    try:
        grant_qualification(
            user=user, qualification=qualification, granted_by=current_user, expires_at=expires_at
        )
        commit()
    except QualificationError as error:
        rollback()
        form.expires_on.errors.append(error.message)
        return None
    except IntegrityError:  # granted by someone else at the same moment
        rollback()
        form.email.errors.append(_("This person was just granted it: reload the page."))
        return None
    return user


@bp.route("/qualifications/<int:qualification_id>", methods=["GET", "POST"])
@manager_required
def qualification(qualification_id: int):
    """Who holds the qualification, and a form to grant it to someone."""
    qualification = get_qualification(qualification_id)
    form = GrantForm()
    if form.validate_on_submit():
        user = grant_from_form(form, qualification)
        if user is not None:
            flash(_("%(who)s now holds this qualification.", who=user.display_name), "success")
            return redirect(url_for("machines.qualification", qualification_id=qualification_id))
    holders = db.session.scalars(
        sa.select(UserQualification)
        .join(User, User.id == UserQualification.user_id)
        .where(UserQualification.qualification_id == qualification.id)
        .order_by(User.name, User.email)
    ).all()
    return form_page(
        "machines/qualification.html", form, qualification=qualification, holders=holders,
        now=utcnow(),
    )  # fmt: skip


@bp.post("/qualifications/<int:qualification_id>/revoke/<int:user_id>")
@manager_required
def revoke(qualification_id: int, user_id: int):
    qualification = get_qualification(qualification_id)
    user = db.session.get(User, user_id)
    if user is None or not revoke_qualification(user=user, qualification=qualification):
        abort(404)
    commit()
    flash(_("Qualification revoked for %(who)s.", who=user.display_name), "success")
    return redirect(url_for("machines.qualification", qualification_id=qualification_id))


# --- closures ---------------------------------------------------------------------------------


@bp.route("/closures", methods=["GET", "POST"])
@manager_required
def closures():
    machines = db.session.scalars(sa.select(Machine).order_by(Machine.name)).all()
    form = ClosureForm()
    form.machine_id.choices = [choice(0, _("The whole lab"))] + [
        choice(m.id, m.name) for m in machines
    ]
    if form.validate_on_submit():
        machine = db.session.get(Machine, form.machine_id.data) if form.machine_id.data else None
        try:
            add_closure(
                title=form.title.data,
                start_at=local_to_utc(form.start.data.date(), form.start.data.time()),
                end_at=local_to_utc(form.end.data.date(), form.end.data.time()),
                machine=machine,
                repeats_yearly=form.repeats_yearly.data,
            )
        except ClosureError as error:
            rollback()
            field_error(form, error, "end")
        else:
            commit()
            flash(_("Closure added."), "success")
            return redirect(url_for("machines.closures"))
    try:
        cursor = Cursor.from_text(request.args.get("cursor"))
    except InvalidCursor as error:
        flash(error.message, "error")
        cursor = None
    query = sa.select(Closure).options(selectinload(Closure.machine))
    page = keyset_page(query, Keyset(Closure.start_at, Closure.id), cursor=cursor, limit=50)
    return form_page(
        "machines/closures.html",
        form,
        closures=page.rows,
        page=page,
        on_first_page=cursor is None,
        total=count_rows(query, Closure.id),
    )


@bp.post("/closures/<int:closure_id>/delete")
@manager_required
def delete_closure(closure_id: int):
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        abort(404)
    remove_closure(closure=closure)
    commit()
    flash(_("Closure removed."), "success")
    return redirect(url_for("machines.closures"))
