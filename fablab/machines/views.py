"""Machine pages: the public list and detail, photos, and the manager's machine editor."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from fablab.accounts.auth import manager_required
from fablab.billing.quote import hourly_rate_for
from fablab.extensions import db
from fablab.machines.blueprint import bp
from fablab.machines.fields import choice
from fablab.machines.forms import RULE_FIELDS, WEEKDAYS, MachineForm
from fablab.machines.lab import opening_hours_by_weekday
from fablab.machines.labels import KIND_LABELS
from fablab.machines.models import Machine, MachineKind, MachineStatus, Qualification
from fablab.machines.photos import (
    PhotoError,
    delete_photo,
    is_photo_name,
    read_photo,
    store_photo,
    upload_folder,
)
from fablab.machines.services import (
    MachineError,
    delete_machine,
    list_machines,
    machine_has_reservations,
    retire_machine,
    save_machine,
    upcoming_closures,
)
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


def get_machine(machine_id: int) -> Machine:
    machine = db.session.get(Machine, machine_id)
    if machine is None:
        abort(404)
    return machine


def is_manager() -> bool:
    return current_user.is_authenticated and current_user.is_manager


@bp.get("/machines")
def index():
    kind = request.args.get("kind", "")
    if kind not in {k.value for k in MachineKind}:
        kind = ""
    show_retired = is_manager() and request.args.get("retired") == "1"
    machines = list_machines(kind=kind or None, include_retired=show_retired)
    return render_template(
        "machines/index.html",
        machines=machines,
        kind=kind,
        kinds=KIND_LABELS,
        show_retired=show_retired,
        week=opening_hours_by_weekday(),
        weekdays=WEEKDAYS,
        closures=upcoming_closures(now=utcnow()),
        rate_of=_rate_of_viewer,
    )


def _rate_of_viewer(machine: Machine) -> int:
    """The hourly rate the viewer pays (their category; a visitor: the public rate)."""
    viewer = current_user if current_user.is_authenticated else None
    return hourly_rate_for(machine, viewer)[0]


@bp.get("/machines/<int:machine_id>")
def detail(machine_id: int):
    machine = get_machine(machine_id)
    if machine.status == MachineStatus.RETIRED and not is_manager():
        abort(404)
    return render_template(
        "machines/detail.html",
        machine=machine,
        links=related_links(machine),
        closures=upcoming_closures(now=utcnow(), machine=machine),
        rule_fields=RULE_FIELDS,
        can_manage=is_manager(),
        has_reservations=is_manager() and machine_has_reservations(machine),
    )


def optional_url(endpoint: str, **values) -> str | None:
    """The URL of another domain's page, or None when that domain is not installed."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def related_links(machine: Machine) -> dict[str, str | None]:
    """Pages of other domains about this machine (booking, calendar feed, devices)."""
    links = {
        "book": optional_url("bookings.week", machine_id=machine.id),
        "feed": optional_url("calendars.machine_feed", machine_id=machine.id),
        "checkin": optional_url("booking_ops.kiosk", machine_id=machine.id),
        "usage_kiosk": optional_url("usage.kiosk", machine_id=machine.id),
        "devices": None,
        "qr": None,
    }
    if is_manager():
        links["devices"] = optional_url("usage.devices", machine_id=machine.id)
        links["qr"] = optional_url("booking_ops.kiosk_qr", machine_id=machine.id)
    return links


@bp.get("/machines/photos/<path:filename>")
def photo(filename: str):
    if not is_photo_name(filename):
        abort(404)
    response = send_from_directory(upload_folder(), filename, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def qualification_choices(form: MachineForm) -> dict[int, Qualification]:
    qualifications = {
        q.id: q for q in db.session.scalars(sa.select(Qualification).order_by(Qualification.name))
    }
    form.required_qualification.choices = [choice(0, _("None"))] + [
        choice(q.id, q.name) for q in qualifications.values()
    ]
    return qualifications


def read_uploaded_photo(form: MachineForm) -> tuple[bytes, str] | None:
    upload = form.photo.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        return read_photo(upload.stream)
    except PhotoError as error:
        form.photo.errors = [*form.photo.errors, error.message]
        return None


def save_from_form(form: MachineForm, machine: Machine | None) -> Machine | None:
    """Validate the form, save the machine and its photo; None when something is wrong."""
    qualifications = qualification_choices(form)
    if not form.validate_on_submit():
        return None
    photo = read_uploaded_photo(form)
    if form.photo.errors:
        return None
    old_photo = machine.photo_filename if machine is not None else None
    new_photo = None
    try:
        machine = save_machine(values=form.machine_values(qualifications), machine=machine)
        new_photo = store_photo(*photo) if photo else None
        if new_photo or form.remove_photo.data:
            machine.photo_filename = new_photo
        commit()
    except (MachineError, IntegrityError) as error:
        rollback()
        delete_photo(new_photo)
        field = getattr(error, "field", None) or "name"
        message = getattr(error, "message", None) or _("Another machine already has this name.")
        form[field].errors.append(message)
        return None
    except Exception:
        delete_photo(new_photo)
        raise
    if old_photo and old_photo != machine.photo_filename:
        delete_photo(old_photo)
    return machine


@bp.route("/machines/new", methods=["GET", "POST"])
@manager_required
def create():
    form = MachineForm()
    if request.method == "GET":
        form.billing_increment_minutes.data = 15
        qualification_choices(form)
    machine = save_from_form(form, None) if request.method == "POST" else None
    if machine is not None:
        flash(_("Machine “%(name)s” created.", name=machine.name), "success")
        return redirect(url_for("machines.detail", machine_id=machine.id))
    status = 422 if form.errors else 200
    return render_template("machines/form.html", form=form, machine=None), status


@bp.route("/machines/<int:machine_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(machine_id: int):
    machine = get_machine(machine_id)
    form = MachineForm(obj=machine)
    if request.method == "GET":
        form.required_qualification.data = machine.required_qualification_id or 0
        qualification_choices(form)
    saved = save_from_form(form, machine) if request.method == "POST" else None
    if saved is not None:
        flash(_("Machine “%(name)s” saved.", name=saved.name), "success")
        return redirect(url_for("machines.detail", machine_id=saved.id))
    status = 422 if form.errors else 200
    return render_template("machines/form.html", form=form, machine=machine), status


@bp.post("/machines/<int:machine_id>/retire")
@manager_required
def retire(machine_id: int):
    machine = get_machine(machine_id)
    retire_machine(machine=machine)
    commit()
    flash(_("Machine “%(name)s” retired.", name=machine.name), "success")
    return redirect(url_for("machines.detail", machine_id=machine.id))


@bp.post("/machines/<int:machine_id>/delete")
@manager_required
def delete(machine_id: int):
    machine = get_machine(machine_id)
    name, photo_filename = machine.name, machine.photo_filename
    try:
        delete_machine(machine=machine)
    except MachineError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("machines.detail", machine_id=machine_id))
    commit()
    delete_photo(photo_filename)
    flash(_("Machine “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("machines.index"))


# The lab settings, opening hours, qualifications and closures pages share this blueprint.
from fablab.machines import admin_views  # noqa: E402,F401
