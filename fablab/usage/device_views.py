"""Manager pages for a machine's devices: device tokens and the OctoPrint link."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.transaction import commit, rollback
from fablab.usage.devices import (
    create_device_token,
    link_of,
    remove_octoprint_link,
    revoke_device_token,
    save_octoprint_link,
    tokens_of,
)
from fablab.usage.forms import DeviceTokenForm, OctoPrintForm
from fablab.usage.queries import find_user, get_device_token_or_404, get_machine_or_404
from fablab.usage.views import bp


def _octoprint_form(machine) -> OctoPrintForm:
    link = link_of(machine)
    form = OctoPrintForm()
    if request.method == "GET" and link is not None:
        form.url.data = link.url
        form.diameter_mm.data = Decimal(link.diameter_milli_mm) / 1000
        form.density_g_cm3.data = Decimal(link.density_milli) / 1000
        form.default_user_email.data = link.default_user.email if link.default_user else ""
        form.enabled.data = link.enabled
    return form


def _page(machine, *, octoprint_form=None, new_secret=None, status=200):
    return render_template(
        "usage/devices.html",
        machine=machine,
        tokens=tokens_of(machine),
        link=link_of(machine),
        token_form=DeviceTokenForm(formdata=None),
        octoprint_form=octoprint_form or _octoprint_form(machine),
        new_secret=new_secret,
    ), status


@bp.get("/machines/<int:machine_id>/devices")
@manager_required
def devices(machine_id: int):
    return _page(get_machine_or_404(machine_id))


@bp.post("/machines/<int:machine_id>/devices/tokens")
@manager_required
def create_token(machine_id: int):
    machine = get_machine_or_404(machine_id)
    form = DeviceTokenForm()
    if not form.validate_on_submit():
        return _page(machine, status=422)
    secret = create_device_token(machine=machine, label=form.label.data or "")[1]
    commit()
    flash(_("Device token created. Copy it now: it will not be shown again."), "success")
    # Rendered, not redirected: the secret must never land in a URL or a flashed cookie.
    return _page(machine, new_secret=secret)


@bp.post("/machines/<int:machine_id>/devices/tokens/<int:token_id>/revoke")
@manager_required
def revoke_token(machine_id: int, token_id: int):
    machine = get_machine_or_404(machine_id)
    revoke_device_token(token=get_device_token_or_404(token_id, machine))
    commit()
    flash(_("Device token revoked."), "success")
    return redirect(url_for("usage.devices", machine_id=machine.id))


@bp.post("/machines/<int:machine_id>/devices/octoprint")
@manager_required
def save_octoprint(machine_id: int):
    machine = get_machine_or_404(machine_id)
    form = _octoprint_form(machine)
    if form.validate_on_submit():
        try:
            default_user = None
            if form.default_user_email.data:
                default_user = find_user(email=form.default_user_email.data)
            save_octoprint_link(
                machine=machine,
                url=form.url.data,
                api_key=form.api_key.data or "",
                diameter_mm=form.diameter_mm.data,
                density_g_cm3=form.density_g_cm3.data,
                default_user=default_user,
                enabled=form.enabled.data,
            )
            commit()
            flash(_("OctoPrint link saved."), "success")
            return redirect(url_for("usage.devices", machine_id=machine.id))
        except DomainError as error:
            rollback()
            field = {"user": "default_user_email"}.get(error.field or "", error.field)
            if field and field in form:
                form[field].errors.append(error.message)
            else:
                flash(error.message, "error")
    return _page(machine, octoprint_form=form, status=422)


@bp.post("/machines/<int:machine_id>/devices/octoprint/remove")
@manager_required
def remove_octoprint(machine_id: int):
    machine = get_machine_or_404(machine_id)
    remove_octoprint_link(machine=machine)
    commit()
    flash(_("OctoPrint link removed."), "success")
    return redirect(url_for("usage.devices", machine_id=machine.id))
