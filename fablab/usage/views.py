"""Usage pages: the machine kiosk, my usage, and the manager's session pages.

Device tokens and OctoPrint links are in ``fablab.usage.device_views``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError, Forbidden
from fablab.extensions import db
from fablab.formatting import unit_hint
from fablab.machines.models import Machine, MachineStatus
from fablab.machines.zone import lab_zone
from fablab.paging import Cursor, InvalidCursor
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback
from fablab.usage.blueprint import bp
from fablab.usage.corrections import approve_session, correct_session, record_session
from fablab.usage.devices import link_of
from fablab.usage.forms import (
    ApproveForm,
    CorrectForm,
    FilterForm,
    SessionForm,
    StopForm,
    material_in_unit,
    to_local_naive,
    to_utc,
)
from fablab.usage.listing import COUNT_CAP, csv_lines, sessions_page, sessions_total
from fablab.usage.models import PRINTER_SOURCES, UsageSource, UsageStatus
from fablab.usage.printers import failing_links
from fablab.usage.queries import find_user, get_machine_or_404, get_session_for
from fablab.usage.services import (
    active_reservation,
    can_stop,
    from_milli,
    open_session_for,
    sessions_query,
    start_session,
    stop_session,
)

STATUS_LABELS = {
    "open": _l("Running"),
    "closed": _l("Closed"),
    "flagged": _l("To review"),
}
SOURCE_LABELS = {
    "kiosk": _l("Kiosk"),
    "manager": _l("Manager"),
    "device": _l("Device"),
    "octoprint": _l("OctoPrint"),
    "moonraker": _l("Moonraker"),
    "prusalink": _l("PrusaLink"),
}


# States the poller names itself; a server's own words (Printing, PRINTING…) are shown as is.
PRINTER_STATE_LABELS = {
    "disconnected": _l("printer not connected to its server"),
    "on": _l("on"),
    "off": _l("off"),
}


@bp.app_context_processor
def usage_helpers():
    return {
        "usage_status_label": lambda s: STATUS_LABELS.get(s, s),
        "usage_source_label": lambda s: SOURCE_LABELS.get(s, s),
        "quantity": from_milli,
        "failing_printer_links": failing_links,
        "printer_state_label": lambda s: PRINTER_STATE_LABELS.get(s, s),
    }


def _fail(error: DomainError, form=None) -> None:
    rollback()
    field = {"user": "user_email", "external_id": None}.get(error.field or "", error.field)
    if form is not None and field and field in form:
        form[field].errors.append(error.message)
    else:
        flash(error.message, "error")


@bp.get("/machines/<int:machine_id>/kiosk")
@login_required
def kiosk(machine_id: int):
    machine = get_machine_or_404(machine_id)
    now = utcnow()
    running = open_session_for(machine)
    booking = active_reservation(machine, now)
    can_start = running is None and (
        booking is None or booking.user_id == current_user.id or current_user.is_manager
    )
    return render_template(
        "usage/kiosk.html",
        machine=machine,
        running=running,
        booking=booking,
        can_start=can_start and machine.status == MachineStatus.AVAILABLE,
        can_stop=running is not None
        and running.source not in PRINTER_SOURCES
        and can_stop(current_user, running),
        form=material_in_unit(StopForm(), machine.consumable_unit),
        octoprint=link_of(machine) is not None,
    )


@bp.post("/machines/<int:machine_id>/kiosk/start")
@login_required
def kiosk_start(machine_id: int):
    machine = get_machine_or_404(machine_id)
    try:
        start_session(machine=machine, user=current_user, source=UsageSource.KIOSK.value)
        commit()
        flash(_("Session started on %(machine)s.", machine=machine.name), "success")
    except DomainError as error:
        _fail(error)
    return redirect(url_for("usage.kiosk", machine_id=machine.id))


@bp.post("/sessions/<int:session_id>/stop")
@login_required
def stop(session_id: int):
    session = get_session_for(session_id, current_user)
    machine_id = session.machine_id
    form = StopForm()
    if not form.validate_on_submit():
        for error in form.consumables.errors:
            flash(error, "error")
        return redirect(url_for("usage.kiosk", machine_id=machine_id))
    try:
        stop_session(session=session, consumables=form.consumables.data)
        commit()
        flash(_("Session stopped. Thank you!"), "success")
    except DomainError as error:
        _fail(error)
    return redirect(url_for("usage.kiosk", machine_id=machine_id))


@bp.get("/mine")
@login_required
def mine():
    query = sessions_query(user_id=current_user.id)
    cursor = _cursor()
    page = sessions_page(query, cursor=cursor)
    total = sessions_total(query, exact=True)
    return render_template(
        "usage/mine.html", sessions=page.rows, page=page, total=total, on_first_page=not cursor
    )


def _cursor() -> Cursor | None:
    try:
        return Cursor.from_text(request.args.get("cursor"))
    except InvalidCursor as error:
        flash(error.message, "error")
        return None


# --- manager pages -----------------------------------------------------------


def _machine_choices(blank: bool = False) -> list[tuple[int, str]]:
    machines = db.session.scalars(sa.select(Machine).order_by(Machine.name)).all()
    if blank:
        return [(0, _("All machines")), *((m.id, m.name) for m in machines)]
    # Recording a session: say which unit each machine's material is typed in.
    return [(m.id, _machine_with_unit(m)) for m in machines]


def _machine_with_unit(machine: Machine) -> str:
    hint = unit_hint(machine.consumable_unit)
    if not hint:
        return machine.name
    return _("%(machine)s — material %(unit)s", machine=machine.name, unit=hint)


def _session_filters() -> tuple[FilterForm, dict]:
    form = FilterForm(request.args)
    form.machine_id.choices = _machine_choices(blank=True)
    form.status.choices = [("", _("All statuses")), *STATUS_LABELS.items()]
    form.source.choices = [("", _("All sources")), *SOURCE_LABELS.items()]
    filters = {}
    if form.validate():
        filters = {
            "machine_id": form.machine_id.data or None,
            "status": form.status.data or None,
            "source": form.source.data or None,
        }
        if form.user_email.data:
            try:
                filters["user_id"] = find_user(email=form.user_email.data).id
            except DomainError:
                filters["user_id"] = -1
    return form, filters


@bp.get("/sessions")
@manager_required
def sessions():
    form, filters = _session_filters()
    query = sessions_query(**filters)
    cursor = _cursor()
    page = sessions_page(query, cursor=cursor)
    exact = bool(filters.get("user_id") or filters.get("machine_id"))
    total = sessions_total(query, exact=exact)
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template(
        "usage/sessions.html",
        sessions=page.rows,
        form=form,
        page=page,
        total=total,
        total_capped=not exact and total > COUNT_CAP,
        count_cap=COUNT_CAP,
        on_first_page=cursor is None,
        filter_args=args,
    )


@bp.get("/sessions/export.csv")
@manager_required
def export_sessions():
    """The whole filtered list as CSV, written out while it is read (no page, no limit)."""
    _form, filters = _session_filters()
    stamp = utcnow().astimezone(lab_zone()).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(csv_lines(sessions_query(**filters))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="usage-{stamp}.csv"'},
    )


@bp.get("/review")
@manager_required
def review():
    rows = db.session.scalars(sessions_query(status=UsageStatus.FLAGGED.value)).all()
    return render_template("usage/review.html", sessions=rows)


@bp.route("/sessions/new", methods=["GET", "POST"])
@manager_required
def new_session():
    form = SessionForm()
    form.machine_id.choices = _machine_choices()
    form.consumables.description = _("In the unit of the machine's material (see the list).")
    if form.validate_on_submit():
        try:
            session = record_session(
                machine=get_machine_or_404(form.machine_id.data),
                user=find_user(email=form.user_email.data),
                started_at=to_utc(form.started_at.data),
                ended_at=to_utc(form.ended_at.data),
                consumables=form.consumables.data,
                note=form.note.data or "",
                by=current_user,
                reason=form.reason.data,
            )
            commit()
            flash(_("Session recorded."), "success")
            return redirect(url_for("usage.session_detail", session_id=session.id))
        except DomainError as error:
            _fail(error, form)
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("usage/session_form.html", form=form), status


def _edited(new, old):
    """None when the form only shows ``old`` at minute precision (seconds are not typed)."""
    if new is None or (old is not None and new == old.replace(second=0, microsecond=0)):
        return None
    return new


def _correct_form(session) -> CorrectForm:
    form = CorrectForm()
    if request.method == "GET":
        form.started_at.data = to_local_naive(session.started_at)
        form.ended_at.data = to_local_naive(session.ended_at)
        form.consumables.data = from_milli(session.consumable_quantity_milli)
        form.user_email.data = session.user.email
        form.note.data = session.note
    return material_in_unit(form, session.machine.consumable_unit)


@bp.route("/sessions/<int:session_id>", methods=["GET", "POST"])
@login_required
def session_detail(session_id: int):
    session = get_session_for(session_id, current_user)
    if not current_user.is_manager:
        if request.method == "POST":
            raise Forbidden()
        return render_template("usage/session.html", session=session, form=None)
    form = _correct_form(session)
    if request.method == "POST" and form.validate_on_submit():
        try:
            correct_session(
                session=session,
                by=current_user,
                reason=form.reason.data,
                started_at=_edited(to_utc(form.started_at.data), session.started_at),
                ended_at=_edited(to_utc(form.ended_at.data), session.ended_at),
                consumables=form.consumables.data,
                user=find_user(email=form.user_email.data),
                note=form.note.data or "",
            )
            commit()
            flash(_("Session corrected."), "success")
            return redirect(url_for("usage.session_detail", session_id=session_id))
        except DomainError as error:
            _fail(error, form)
            session = get_session_for(session_id, current_user)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "usage/session.html", session=session, form=form, approve_form=ApproveForm()
    ), status


@bp.post("/sessions/<int:session_id>/approve")
@manager_required
def approve(session_id: int):
    session = get_session_for(session_id, current_user)
    form = ApproveForm()
    if not form.validate_on_submit():
        flash(_("Say why: a reason is required."), "error")
        return redirect(url_for("usage.session_detail", session_id=session_id))
    try:
        approve_session(session=session, by=current_user, reason=form.reason.data)
        commit()
        flash(_("Session approved: it will be billed."), "success")
    except DomainError as error:
        _fail(error)
    return redirect(url_for("usage.review"))


from fablab.usage import device_views  # noqa: E402,F401  (routes on this blueprint)
