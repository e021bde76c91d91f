"""Manager page: what the lab publishes as open data, and the material of each consumable."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import ConsumableUnit, Machine, MachineStatus
from fablab.public import opendata
from fablab.public.blueprint import bp
from fablab.public.forms import MaterialForm, OpenDataForm
from fablab.public.models import MaterialProfile
from fablab.transaction import commit, rollback
from fablab.urls import external_url

FIELDS = (
    "publish_lab",
    "publish_activity",
    "publish_events",
    "suppression_threshold",
    "city",
    "latitude",
    "longitude",
)


def _gram_machines() -> list[Machine]:
    return list(
        db.session.scalars(
            sa.select(Machine)
            .where(
                Machine.consumable_unit == ConsumableUnit.GRAM,
                Machine.status != MachineStatus.RETIRED,
            )
            .order_by(Machine.name)
        )
    )


def _material_forms(machines: list[Machine], formdata=None) -> list[tuple[Machine, MaterialForm]]:
    profiles = {p.machine_id: p for p in db.session.scalars(sa.select(MaterialProfile))}
    return [
        (m, MaterialForm(formdata=formdata, obj=profiles.get(m.id), prefix=f"m{m.id}"))
        for m in machines
    ]


def _page(form: OpenDataForm, status: int = 200):
    settings = opendata.get_open_data_settings()
    materials = _material_forms(_gram_machines(), formdata=None)
    html = render_template(
        "public/manage_open_data.html",
        form=form,
        materials=materials,
        catalogue_url=external_url("public.catalogue"),
        widget_url=external_url("public.widget"),
        settings=settings,
    )
    return html, status


@bp.get("/manage/open-data")
@manager_required
def manage_open_data():
    return _page(OpenDataForm(obj=opendata.get_open_data_settings()))


@bp.post("/manage/open-data")
@manager_required
def save_open_data():
    form = OpenDataForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        values = {name: form[name].data for name in FIELDS}
        values["city"] = (values["city"] or "").strip()
        opendata.update_open_data_settings(**values)
    except DomainError as error:
        rollback()
        form.suppression_threshold.errors.append(error.message)
        return _page(form, 422)
    commit()
    flash(_("Open-data settings saved."), "success")
    return redirect(url_for("public.manage_open_data"))


@bp.post("/manage/open-data/materials")
@manager_required
def save_materials():
    from flask import request

    machines = _gram_machines()
    pairs = _material_forms(machines, formdata=request.form)
    if not all(form.validate() for _machine, form in pairs):
        flash(_("A material name is at most 60 characters."), "error")
        return redirect(url_for("public.manage_open_data"))
    for machine, form in pairs:
        opendata.set_material_profile(
            machine=machine,
            material=form.material.data or "",
            recycled=form.recycled.data,
            bio_sourced=form.bio_sourced.data,
        )
    commit()
    flash(_("Materials saved."), "success")
    return redirect(url_for("public.manage_open_data"))
