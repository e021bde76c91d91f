"""The manager records the lab's costs and the grants it received (they feed the reports)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.reports import costs
from fablab.reports.blueprint import bp
from fablab.reports.forms import CostForm, GrantForm
from fablab.reports.labels import COST_LABELS, PERIOD_LABELS
from fablab.reports.models import Grant, LabCost
from fablab.reports.query import chosen_period, period_args
from fablab.transaction import commit, rollback


def _machine(machine_id: int | None) -> Machine | None:
    return db.session.get(Machine, machine_id) if machine_id else None


def _known_machine(machine_id: int) -> Machine:
    machine = db.session.get(Machine, machine_id)
    if machine is None:
        raise costs.CostError(_("Unknown machine."), field="machines")
    return machine


def _page(cost_form: CostForm, grant_form: GrantForm, errors: list[str]):
    kind, period, period_errors = chosen_period()
    listed_costs, listed_grants = costs.listed(period)
    return render_template(
        "reports/costs.html",
        cost_form=cost_form,
        grant_form=grant_form,
        kind=kind,
        period=period,
        args=period_args(kind, period),
        period_labels=PERIOD_LABELS,
        errors=[*period_errors, *errors],
        costs=listed_costs,
        grants=listed_grants,
        recorded=costs.costs_in(period),
        grants_total=costs.grants_in(period),
        cost_labels=COST_LABELS,
        machine_costs=dict(
            db.session.execute(sa.select(Machine.id, Machine.purchase_cost_cents)).all()
        ),
    )


def _refused(form, error: DomainError, errors: list[str]) -> None:
    rollback()
    field = getattr(form, error.field or "", None)
    (field.errors.append if field is not None else errors.append)(error.message)


@bp.get("/costs")
@manager_required
def costs_page():
    return _page(CostForm(prefix="cost"), GrantForm(prefix="grant"), [])


@bp.post("/costs")
@manager_required
def cost_add():
    form, errors = CostForm(prefix="cost"), []
    if form.validate_on_submit():
        try:
            costs.add_cost(
                month=form.month.data,
                category=form.category.data,
                amount_cents=form.amount_cents.data,
                machine=_machine(form.machine_id.data),
                note=form.note.data or "",
                by=current_user,
            )
        except DomainError as error:
            _refused(form, error, errors)
        else:
            commit()
            flash(_("Cost recorded."), "success")
            return redirect(url_for("reports.costs_page"))
    return _page(form, GrantForm(prefix="grant"), errors), 422


@bp.post("/grants")
@manager_required
def grant_add():
    form, errors = GrantForm(prefix="grant"), []
    if form.validate_on_submit():
        try:
            chosen = form.chosen()
            machines = [_known_machine(machine_id) for machine_id, _share in chosen]
            costs.add_grant(
                funder=form.funder.data,
                amount_cents=form.amount_cents.data,
                received_on=form.received_on.data,
                machines=machines,
                shares={m: share for m, share in chosen if share is not None},
                note=form.note.data or "",
                by=current_user,
            )
        except DomainError as error:
            _refused(form, error, errors)
        else:
            commit()
            flash(_("Grant recorded."), "success")
            return redirect(url_for("reports.costs_page"))
    return _page(CostForm(prefix="cost"), form, errors), 422


@bp.post("/costs/<int:cost_id>/delete")
@manager_required
def cost_delete(cost_id: int):
    costs.delete(db.session.get(LabCost, cost_id) or abort(404))
    commit()
    flash(_("Cost deleted."), "success")
    return redirect(url_for("reports.costs_page"))


@bp.post("/grants/<int:grant_id>/delete")
@manager_required
def grant_delete(grant_id: int):
    costs.delete(db.session.get(Grant, grant_id) or abort(404))
    commit()
    flash(_("Grant deleted."), "success")
    return redirect(url_for("reports.costs_page"))
