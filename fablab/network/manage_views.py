"""Network manager pages: member labs, their fetch status, add, remove, refresh now."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from fablab.accounts.auth import manager_required
from fablab.extensions import db
from fablab.network.blueprint import bp
from fablab.network.forms import AddLabForm
from fablab.network.jobs import refresh_now
from fablab.network.models import NetworkLab
from fablab.network.services import NetworkError, add_lab, all_labs, remove_lab
from fablab.transaction import commit, rollback


def _page(form: AddLabForm, status: int = 200):
    return render_template("network/manage.html", form=form, labs=all_labs()), status


@bp.get("/manage")
@manager_required
def manage():
    return _page(AddLabForm())


@bp.post("/manage")
@manager_required
def add():
    form = AddLabForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        lab = add_lab(url=form.url.data)
    except NetworkError as error:
        rollback()
        form.url.errors.append(error.message)
        return _page(form, 422)
    commit()
    refresh_now(labs=[lab])
    flash(_("Lab added: %(name)s.", name=lab.label), "success")
    return redirect(url_for("network.manage"))


@bp.post("/manage/refresh")
@manager_required
def refresh():
    counts = refresh_now()
    flash(_("Fetched: %(ok)d up to date, %(error)d failing.", **counts), "success")
    return redirect(url_for("network.manage"))


@bp.post("/manage/<int:lab_id>/remove")
@manager_required
def remove(lab_id: int):
    lab = db.session.get(NetworkLab, lab_id) or abort(404)
    remove_lab(lab=lab)
    commit()
    flash(_("Lab removed."), "success")
    return redirect(url_for("network.manage"))
