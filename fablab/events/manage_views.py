"""The manager's event pages: editor, publish, cancel, registrations, check-in, CSV."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.events import checkin as checkin_service
from fablab.events import partners
from fablab.events import registrations as regs
from fablab.events.blueprint import bp, get_event, locale
from fablab.events.forms import EventForm, WalkInForm
from fablab.events.models import Event, PartnerOrganisation, Registration, RegistrationStatus
from fablab.events.services import (
    cancel_event,
    create_event,
    publish_event,
    update_event,
)
from fablab.extensions import db
from fablab.machines.fields import choice
from fablab.machines.models import Machine, MachineStatus, Qualification
from fablab.machines.zone import to_local
from fablab.paging import Cursor, InvalidCursor, Keyset, count_rows, keyset_page
from fablab.spreadsheets import safe_cell
from fablab.transaction import commit, rollback

EVENTS_PAGE = 50


@bp.get("/events/manage")
@manager_required
def manage_list():
    try:
        cursor = Cursor.from_text(request.args.get("cursor"))
    except InvalidCursor as error:
        flash(error.message, "error")
        cursor = None
    query = sa.select(Event)
    page = keyset_page(query, Keyset(Event.start_at, Event.id), cursor=cursor, limit=EVENTS_PAGE)
    return render_template(
        "events/manage_list.html",
        events=page.rows,
        page=page,
        total=count_rows(query, Event.id),
        on_first_page=cursor is None,
        locale=locale(),
        confirmed=regs.confirmed_count,
    )


def fill_choices(form: EventForm) -> dict[int, Machine]:
    qualifications = db.session.scalars(sa.select(Qualification).order_by(Qualification.name))
    form.qualification_id.choices = [choice(0, _("None"))] + [
        choice(q.id, q.name) for q in qualifications
    ]
    machines = {
        m.id: m
        for m in db.session.scalars(
            sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
        )
    }
    form.machines.choices = [choice(m.id, m.name) for m in machines.values()]
    form.partners.choices = [choice(p.id, p.name) for p, _count in partners.list_partners()]
    return machines


def save_from_form(form: EventForm, event: Event | None) -> Event | None:
    machines = fill_choices(form)
    if not form.validate_on_submit():
        return None
    chosen = [machines[i] for i in form.machines.data or [] if i in machines]
    linked = [db.session.get(PartnerOrganisation, i) for i in form.partners.data or []]
    try:
        if event is None:
            event = create_event(values=form.event_values(), by=current_user, machines=chosen)
        else:
            update_event(event=event, values=form.event_values(), by=current_user, machines=chosen)
        partners.set_event_partners(event=event, partners=[p for p in linked if p is not None])
    except DomainError as error:
        rollback()
        field = getattr(form, error.field, None) if error.field else None
        target = field if field is not None else form.machines
        target.errors = [*target.errors, error.message]
        return None
    commit()
    return event


@bp.route("/events/new", methods=["GET", "POST"])
@manager_required
def create():
    form = EventForm()
    if request.method == "GET":
        fill_choices(form)
        form.capacity.data = 12
    event = save_from_form(form, None) if request.method == "POST" else None
    if event is not None:
        flash(_("Event created as a draft. Publish it to open registration."), "success")
        return redirect(url_for("events.registrations", event_id=event.id))
    return render_template("events/form.html", form=form, event=None), 422 if form.errors else 200


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(event_id: int):
    event = get_event(event_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        fill_choices(form)
        form.fill_from(event)
        form.partners.data = [partner.id for partner in partners.partners_of(event)]
    saved = save_from_form(form, event) if request.method == "POST" else None
    if saved is not None:
        flash(_("Event saved."), "success")
        return redirect(url_for("events.registrations", event_id=saved.id))
    status = 422 if form.errors else 200
    return render_template("events/form.html", form=form, event=event), status


def _run(action, success: str, event_id: int):
    try:
        action()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        commit()
        flash(success, "success")
    return redirect(url_for("events.registrations", event_id=event_id))


@bp.post("/events/<int:event_id>/publish")
@manager_required
def publish(event_id: int):
    event = get_event(event_id)
    return _run(lambda: publish_event(event=event), _("Event published."), event_id)


@bp.post("/events/<int:event_id>/cancel")
@manager_required
def cancel(event_id: int):
    event = get_event(event_id)
    return _run(
        lambda: cancel_event(event=event, by=current_user),
        _("Event cancelled; registered people are told by e-mail."),
        event_id,
    )


def event_registrations(event: Event) -> list[Registration]:
    order = sa.case(
        (Registration.status == RegistrationStatus.CONFIRMED, 0),
        (Registration.status == RegistrationStatus.WAITLISTED, 1),
        (Registration.status == RegistrationStatus.PENDING_CONFIRMATION, 2),
        else_=3,
    )
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event.id)
            .order_by(order, Registration.waitlist_position, Registration.id)
        )
    )


@bp.get("/events/<int:event_id>/registrations")
@manager_required
def registrations(event_id: int):
    event = get_event(event_id)
    return render_template(
        "events/manage_event.html",
        event=event,
        partners=partners.partners_of(event),
        registrations=event_registrations(event),
        confirmed=regs.confirmed_count(event),
        locale=locale(),
    )


@bp.get("/events/<int:event_id>/checkin")
@manager_required
def checkin(event_id: int, walk_in_form: WalkInForm | None = None):
    """The tablet check-in list: confirmed people, big buttons."""
    event = get_event(event_id)
    people = [r for r in event_registrations(event) if r.status == RegistrationStatus.CONFIRMED]
    people.sort(key=lambda r: (r.name or r.email).lower())
    return render_template(
        "events/checkin.html",
        event=event,
        people=people,
        locale=locale(),
        walk_in=walk_in_form or WalkInForm(),
    ), 422 if walk_in_form else 200


@bp.post("/events/<int:event_id>/checkin/walk-in")
@manager_required
def walk_in(event_id: int):
    """Someone came without registering: add them, present."""
    event = get_event(event_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            registration = checkin_service.add_walk_in(
                event=event,
                by=current_user,
                email=form.email.data,
                name=form.name.data,
                company_name=form.company_name.data or "",
                first_visit=form.first_visit.data,
            )
        except DomainError as error:
            rollback()
            target = getattr(form, error.field or "", None)
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                flash(error.message, "error")
        else:
            commit()
            flash(_("%(name)s is checked in.", name=registration.name), "success")
            return redirect(url_for("events.checkin", event_id=event_id))
    return checkin(event_id, walk_in_form=form)


@bp.post("/events/<int:event_id>/checkin/<int:registration_id>")
@manager_required
def record_checkin(event_id: int, registration_id: int):
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        return render_template("error.html", status=404, message=_("Not found.")), 404
    attended = request.form.get("attended") == "1"
    try:
        checkin_service.record_attendance(
            registration=registration, by=current_user, attended=attended
        )
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    else:
        commit()
    return redirect(url_for("events.checkin", event_id=event_id) + f"#r{registration_id}")


CSV_COLUMNS = ("name", "email", "company", "status", "waitlist", "first_visit", "price_eur",
               "registered_at", "attended_at")  # fmt: skip


@bp.get("/events/<int:event_id>/registrations.csv")
@manager_required
def registrations_csv(event_id: int):
    event = get_event(event_id)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for r in event_registrations(event):
        writer.writerow(
            [
                _safe(r.name),
                _safe(r.email),
                _safe(r.company_name),
                r.status,
                r.waitlist_position if r.status == RegistrationStatus.WAITLISTED else "",
                "yes" if r.first_visit else "no",
                f"{r.price_cents / 100:.2f}",
                to_local(r.created_at).isoformat(timespec="minutes"),
                to_local(r.attended_at).isoformat(timespec="minutes") if r.attended_at else "",
            ]
        )
    filename = f"event-{event.id}-registrations.csv"
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM so spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _safe(text: str) -> str:
    """Stop spreadsheet formulas in people's own text (CSV injection)."""
    return safe_cell(text)
