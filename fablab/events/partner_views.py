"""The manager's partner organisations: list, add, edit, remove (linked on the event form)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.events import partners
from fablab.events.blueprint import bp
from fablab.events.forms import PartnerForm
from fablab.events.models import PartnerOrganisation
from fablab.extensions import db
from fablab.transaction import commit, rollback


def _get_partner(partner_id: int) -> PartnerOrganisation:
    return db.session.get(PartnerOrganisation, partner_id) or abort(404)


def _refused(form: PartnerForm, error: DomainError) -> None:
    rollback()
    field = getattr(form, error.field or "", None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/events/partners", methods=["GET", "POST"])
@manager_required
def partners_page():
    """Every partner organisation with its number of events, and the form to add one."""
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = partners.add_partner(values=form.values())
        except DomainError as error:
            _refused(form, error)
        else:
            commit()
            flash(_("%(name)s is recorded.", name=partner.name), "success")
            return redirect(url_for("events.partners_page"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "events/partners.html", form=form, partners=partners.list_partners()
    ), status


@bp.route("/events/partners/<int:partner_id>", methods=["GET", "POST"])
@manager_required
def partner_edit(partner_id: int):
    partner = _get_partner(partner_id)
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            partners.update_partner(partner=partner, values=form.values())
        except DomainError as error:
            _refused(form, error)
        else:
            commit()
            flash(_("%(name)s is saved.", name=partner.name), "success")
            return redirect(url_for("events.partners_page"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "events/partner_form.html",
        form=form,
        partner=partner,
        events_count=partners.events_count(partner),
    ), status


@bp.post("/events/partners/<int:partner_id>/delete")
@manager_required
def partner_delete(partner_id: int):
    partner = _get_partner(partner_id)
    try:
        partners.delete_partner(partner=partner)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("events.partner_edit", partner_id=partner_id))
    commit()
    flash(_("Organisation removed."), "success")
    return redirect(url_for("events.partners_page"))
