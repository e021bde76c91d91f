"""Manager pages for devices: a machine's tokens and printer link, and every device's health."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback
from fablab.usage.blueprint import bp
from fablab.usage.devices import (
    create_device_token,
    link_of,
    remove_octoprint_link,
    revoke_device_token,
    save_printer_link,
    tokens_of,
)
from fablab.usage.forms import DeviceTokenForm, OctoPrintForm
from fablab.usage.printer_kinds import check_link
from fablab.usage.printers import KIND_LABELS, LinkFailure, all_links, session_source
from fablab.usage.queries import (
    all_device_tokens,
    device_session_counts,
    find_user,
    get_device_token_or_404,
    get_machine_or_404,
)


def _octoprint_form(machine) -> OctoPrintForm:
    link = link_of(machine)
    form = OctoPrintForm()
    if request.method == "GET" and link is not None:
        form.kind.data = link.kind
        form.username.data = link.username
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
    if form.validate_on_submit() and _tried(machine, form):
        try:
            default_user = None
            if form.default_user_email.data:
                default_user = find_user(email=form.default_user_email.data)
            save_printer_link(
                machine=machine,
                kind=form.kind.data,
                url=form.url.data,
                api_key=form.api_key.data or "",
                username=form.username.data or "",
                diameter_mm=form.diameter_mm.data,
                density_g_cm3=form.density_g_cm3.data,
                default_user=default_user,
                enabled=form.enabled.data,
            )
            commit()
            flash(_("Printer link saved: the printer answered."), "success")
            return redirect(url_for("usage.devices", machine_id=machine.id))
        except DomainError as error:
            rollback()
            field = {"user": "default_user_email"}.get(error.field or "", error.field)
            if field and field in form:
                form[field].errors.append(error.message)
            else:
                flash(error.message, "error")
    return _page(machine, octoprint_form=form, status=422)


def _tried(machine, form) -> bool:
    """Try the address and the key as the poller would, outside any transaction."""
    link = link_of(machine)
    api_key = form.api_key.data or (link.api_key if link is not None else "")
    rollback()
    try:
        check_link(
            kind=form.kind.data,
            url=form.url.data.strip(),
            api_key=api_key,
            username=(form.username.data or "").strip(),
        )
    except LinkFailure as failure:
        message = _("The printer did not answer as expected: %(reason)s", reason=_(failure.message))
        form.url.errors.append(f"{message} ({failure.detail})" if failure.detail else message)
        return False
    return True


@bp.post("/machines/<int:machine_id>/devices/octoprint/remove")
@manager_required
def remove_octoprint(machine_id: int):
    machine = get_machine_or_404(machine_id)
    remove_octoprint_link(machine=machine)
    commit()
    flash(_("Printer link removed."), "success")
    return redirect(url_for("usage.devices", machine_id=machine.id))


@bp.get("/devices")
@manager_required
def devices_health():
    """Every linked printer and device token: last contact, last error, sessions this week."""
    return render_template(
        "usage/devices_health.html",
        links=all_links(),
        tokens=all_device_tokens(),
        counts=device_session_counts(utcnow() - timedelta(days=7)),
        kind_labels=KIND_LABELS,
        session_source=session_source,
    )
