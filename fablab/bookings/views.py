"""Web UI of bookings: calendars, booking, my bookings, manager views."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fablab.accounts.auth import manager_required
from fablab.accounts.models import User
from fablab.bookings import calendar, week_page
from fablab.bookings.checkin import record_attendance
from fablab.bookings.export import csv_lines
from fablab.bookings.forms import (
    BookingForm,
    CancelForm,
    FilterForm,
    ManagerBookingForm,
    MoveForm,
    choices,
)
from fablab.bookings.listing import (
    Cursor,
    InvalidCursor,
    PersonSearch,
    count_of,
    export_rows,
    find_person,
    my_bookings,
    page_of,
)
from fablab.bookings.queries import (
    filtered_reservations,
    get_machine_or_404,
    get_reservation_for,
)
from fablab.bookings.rules import RuleViolation, resolve_rules
from fablab.bookings.services import (
    CancellationTooLate,
    InvalidState,
    NotQualified,
    SlotTaken,
    cancel_reservation,
    create_reservation,
    move_reservation,
)
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.formatting import format_date
from fablab.forms import parse_day
from fablab.machines.models import Machine, MachineStatus
from fablab.machines.zone import lab_zone
from fablab.payments import slots as paid_slots
from fablab.payments.views_helpers import return_urls as payment_return_urls
from fablab.templating import is_safe_redirect
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback

bp = Blueprint("bookings", __name__)

# Rules whose message belongs beside the end time rather than the start time.
_END_RULES = {"duration", "min_duration", "max_duration", "weekly_quota"}


@bp.app_context_processor
def inject_labels():
    return {"reservation_status_label": calendar.reservation_status_label}


def _today() -> date:
    return utcnow().astimezone(lab_zone()).date()


def _date_arg(name: str) -> date:
    return parse_day(request.args.get(name)) or _today()


def bookable_machines() -> list[Machine]:
    return list(
        db.session.scalars(
            sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
        )
    )


def apply_domain_error(form, error: DomainError) -> int:
    """Show a refusal beside the right field (or flashed); return the HTTP status."""
    if isinstance(error, SlotTaken):
        flash(_("This slot was just taken."), "error")
    elif isinstance(error, RuleViolation) and hasattr(form, "start_time"):
        target = form.end_time if error.details.get("rule") in _END_RULES else form.start_time
        target.errors = list(target.errors) + [error.message]
    else:
        flash(error.message, "error")
    return error.status


@bp.get("/book")
@login_required
def day_overview():
    """Every machine for one day; a closed day says so and points to the next open one."""
    asked = parse_day(request.args.get("day"))
    day = asked or _today()
    if not week_page.is_open_day(day):
        following_open = week_page.next_open_day(day)
        if asked is None and following_open is not None:
            # Opening "Book" on a closed day: go straight to the next day the lab opens.
            flash(
                _(
                    "The lab is closed today. Here is the next open day, %(day)s.",
                    day=format_date(following_open, "full"),
                ),
                "info",
            )
            return redirect(url_for("bookings.day_overview", day=following_open.isoformat()))
        return render_template(
            "bookings/day.html",
            day=day,
            closed=True,
            next_open=following_open,
            machines=[],
            times=[],
            rows={},
            previous=day - timedelta(days=1),
            following=day + timedelta(days=1),
        )
    machines = bookable_machines()
    times, rows = calendar.day_rows(machines, day, current_user, utcnow())
    return render_template(
        "bookings/day.html",
        day=day,
        closed=False,
        machines=machines,
        times=times,
        rows=rows,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
    )


def _week_context(machine: Machine, monday: date, grid, training) -> dict:
    """What the week grid around a booking form needs (the booking and the move pages)."""
    return {
        "machine": machine,
        "grid": grid,
        "rules": resolve_rules(machine),
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "following": monday + timedelta(days=7),
        "today": _today(),
        "training": training,
        "blocked_rules": calendar.blocked_rules(grid),
    }


def render_week(
    machine: Machine,
    form: BookingForm,
    monday: date,
    status: int = 200,
    *,
    times=None,
    lost_race: bool = False,
    not_qualified: bool = False,
):
    grid = calendar.week_grid(machine, monday, current_user, utcnow())
    training = week_page.next_training(machine)
    on_company = bool(form.on_company_account.data)
    return render_template(
        "bookings/week.html",
        **_week_context(machine, monday, grid, training),
        form=form,
        quote=week_page.quote_for(machine, current_user, times, on_company),
        waitlist_slot=week_page.waitlist_slot(machine, form) if lost_race else None,
        refusal=week_page.qualification_refusal(machine, training) if not_qualified else None,
    ), status


@bp.get("/machines/<int:machine_id>/calendar")
@login_required
def week(machine_id: int):
    machine = get_machine_or_404(machine_id)
    day = _date_arg("week")
    form = BookingForm(data={"day": day})
    return render_week(machine, form, calendar.monday_of(day))


def _refused(machine: Machine, form: BookingForm, monday: date, times, error: DomainError):
    """The week again with the refusal: the waitlist after a lost race, the next training
    after a missing qualification, the rule beside its field otherwise."""
    if isinstance(error, NotQualified):
        return render_week(machine, form, monday, error.status, times=times, not_qualified=True)
    status = apply_domain_error(form, error)
    lost = isinstance(error, SlotTaken)
    return render_week(machine, form, monday, status, times=times, lost_race=lost)


@bp.post("/machines/<int:machine_id>/book")
@login_required
def book(machine_id: int):
    machine = get_machine_or_404(machine_id)
    form = BookingForm()
    times = form.instants() if form.validate_on_submit() else None
    monday = calendar.monday_of(form.day.data or _today())
    if times is None:
        return render_week(machine, form, monday, 422)
    company = current_user.company if form.on_company_account.data else None
    if form.on_company_account.data and company is None:
        form.on_company_account.errors = [_("Your account belongs to no company.")]
        return render_week(machine, form, monday, 422)
    if paid_slots.must_prepay(current_user, company):
        return _book_and_pay(machine, form, times, company, monday)
    try:
        create_reservation(
            machine=machine,
            user=current_user,
            start=times[0],
            end=times[1],
            company=company,
            note=form.note.data or "",
        )
        commit()
    except (SlotTaken, RuleViolation, NotQualified) as error:
        rollback()
        return _refused(machine, form, monday, times, error)
    flash(_("Booked: %(machine)s.", machine=machine.name), "success")
    return redirect(url_for("bookings.mine"))


def _book_and_pay(machine: Machine, form: BookingForm, times, company, monday: date):
    """The lab's policy asks this payer to prepay: hold the slot, then off to Stripe Checkout."""
    success_url, cancel_url = payment_return_urls()
    try:
        _held, record = paid_slots.book_paid_slot(
            machine=machine,
            user=current_user,
            start=times[0],
            end=times[1],
            company=company,
            note=form.note.data or "",
            success_url=success_url,
            cancel_url=cancel_url,
        )
        commit()
    except DomainError as error:
        rollback()
        return _refused(machine, form, monday, times, error)
    if record is None:  # nothing to pay (a free machine): confirmed at once
        flash(_("Booked: %(machine)s.", machine=machine.name), "success")
        return redirect(url_for("bookings.mine"))
    return redirect(record.url, 303)


@bp.get("/bookings/mine")
@login_required
def mine():
    try:
        cursor = Cursor.from_text(request.args.get("cursor"))
    except InvalidCursor as error:
        flash(error.message, "error")
        cursor = None
    mine = my_bookings(viewer=current_user, now=utcnow(), cursor=cursor, limit=PAGE_SIZE)
    return render_template(
        "bookings/mine.html",
        upcoming=mine.upcoming,
        page=mine.past,
        past=mine.past.rows,
        past_total=mine.past_total,
        on_first_page=cursor is None,
        cancel_form=CancelForm(),
    )


@bp.post("/bookings/<int:reservation_id>/cancel")
@login_required
def cancel(reservation_id: int):
    reservation = get_reservation_for(reservation_id, current_user)
    form = CancelForm()
    form.validate_on_submit()
    try:
        cancel_reservation(
            reservation=reservation,
            by=current_user,
            reason=form.reason.data or "",
            override_deadline=bool(form.override_deadline.data and current_user.is_manager),
            waive_charge=bool(form.waive_charge.data and current_user.is_manager),
        )
        commit()
        flash(_("The booking is cancelled."), "success")
    except (CancellationTooLate, InvalidState) as error:
        rollback()
        flash(error.message, "error")
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("bookings.mine"))


@bp.post("/bookings/<int:reservation_id>/attended")
@manager_required
def mark_attended(reservation_id: int):
    """The booker came but did not check in: their booking is attended (and billed so)."""
    reservation = get_reservation_for(reservation_id, current_user)
    try:
        record_attendance(reservation=reservation, by=current_user)
        commit()
        flash(_("The booking is marked attended."), "success")
    except DomainError as error:
        rollback()
        flash(error.message, "error")
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("bookings.manage"))


def _move_form(reservation) -> MoveForm:
    local_start = reservation.start_at.astimezone(lab_zone())
    local_end = reservation.end_at.astimezone(lab_zone())
    return MoveForm(
        data={
            "day": local_start.date(),
            "start_time": local_start.time(),
            "end_time": local_end.time(),
            "end_day": local_end.date() if local_end.date() != local_start.date() else None,
        }
    )


def render_move(reservation, form: MoveForm, status: int = 200):
    """The booking's machine week, the booking shown as the one being moved (its own time
    counts as free), and the typed form the grid fills (it works alone without JavaScript)."""
    machine = reservation.machine
    shown = parse_day(request.args.get("week")) or form.day.data
    shown = shown or reservation.start_at.astimezone(lab_zone()).date()
    monday = calendar.monday_of(shown)
    grid = calendar.week_grid(machine, monday, current_user, utcnow(), moving_id=reservation.id)
    return render_template(
        "bookings/move.html",
        **_week_context(machine, monday, grid, week_page.next_training(machine)),
        reservation=reservation,
        form=form,
    ), status


@bp.route("/bookings/<int:reservation_id>/move", methods=["GET", "POST"])
@login_required
def move(reservation_id: int):
    reservation = get_reservation_for(reservation_id, current_user)
    form = _move_form(reservation)
    status = 200
    times = form.instants() if form.validate_on_submit() else None
    if times is not None:
        try:
            move_reservation(
                reservation=reservation,
                start=times[0],
                end=times[1],
                by=current_user,
                override_rules=bool(form.override_rules.data and current_user.is_manager),
            )
            commit()
            flash(_("The booking is moved."), "success")
            return redirect(url_for("bookings.mine"))
        except (SlotTaken, RuleViolation, NotQualified, CancellationTooLate, InvalidState) as error:
            rollback()
            status = apply_domain_error(form, error)
    elif request.method == "POST":
        status = 422
    return render_move(reservation, form, status)


# -- manager views ----------------------------------------------------------------


PAGE_SIZE = 50
# Counting every booking of a ten-year history costs a scan: past this, say "more than".
COUNT_CAP = 1000


def _person_search(form) -> PersonSearch:
    """The person a manager typed, or the one a link (``user_id``) designates."""
    if form.person.data:
        return find_person(form.person.data)
    if form.user_id.data:
        user = db.session.get(User, form.user_id.data)
        if user is not None:
            form.person.data = f"{user.display_name} <{user.email}>"
            return PersonSearch(text=form.person.data, person=user, matches=[user])
    return PersonSearch(text="")


def _manage_filters():
    """The filter form, the person search and the query of the bookings they select."""
    form = FilterForm(request.args)
    form.machine_id.choices = choices([(0, "—")] + [(m.id, m.name) for m in bookable_machines()])
    form.validate()
    zone = lab_zone()
    start = form.start.data and datetime.combine(form.start.data, datetime.min.time(), zone)
    end = form.end.data and datetime.combine(
        form.end.data + timedelta(days=1), datetime.min.time(), zone
    )
    search = _person_search(form)
    query = filtered_reservations(
        viewer=current_user,
        machine_id=form.machine_id.data or None,
        user_id=search.person.id if search.person else (-1 if search.found_nobody else None),
        user_ids=search.ids if search.person is None else None,
        status=form.status.data or None,
        start=start or None,
        end=end or None,
    )
    return form, search, query


def _filter_args(form) -> dict:
    """The filters as query-string arguments, for the paging and export links."""
    return {
        name: value
        for name, value in request.args.items()
        if name in {f.name for f in form}
        and name not in ("cursor", "user_id", "person")
        and value not in ("", "0")
    } | ({"person": form.person.data} if form.person.data else {})


@bp.get("/bookings/manage")
@manager_required
def manage():
    form, search, query = _manage_filters()
    try:
        cursor = Cursor.decode(request.args["cursor"]) if request.args.get("cursor") else None
    except InvalidCursor as error:
        flash(error.message, "error")
        cursor = None
    page = page_of(query, cursor=cursor, limit=PAGE_SIZE)
    exact = search.person is not None or bool(form.machine_id.data)
    total = count_of(query, cap=None if exact else COUNT_CAP)
    return render_template(
        "bookings/manage.html",
        form=form,
        search=search,
        page=page,
        rows=page.rows,
        total=total,
        total_capped=not exact and total > COUNT_CAP,
        count_cap=COUNT_CAP,
        on_first_page=cursor is None,
        filter_args=_filter_args(form),
        cancel_form=CancelForm(),
    )


@bp.get("/bookings/manage/export.csv")
@manager_required
def export_bookings():
    """The whole filtered list as CSV, written out while it is read (no page, no limit)."""
    _form, _search, query = _manage_filters()
    stamp = utcnow().astimezone(lab_zone()).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(csv_lines(export_rows(query))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="bookings-{stamp}.csv"'},
    )


def _chosen_person(form: ManagerBookingForm) -> tuple[User | None, PersonSearch]:
    """The one active person the manager picked, or None with the error beside the field."""
    if form.person.data:
        search = find_person(form.person.data, active_only=True)
    else:
        user = db.session.get(User, form.user_id.data) if form.user_id.data else None
        active = user is not None and user.active
        search = PersonSearch(text="", person=user if active else None)
    if search.person is not None:
        return search.person, search
    if search.matches:
        message = _(
            "%(num)d people match: type more of the name, or the e-mail.", num=len(search.matches)
        )
    elif search.text:
        message = _("Nobody matches this name or e-mail.")
    else:
        message = _("Choose the person to book for.")
    form.person.errors = [*form.person.errors, message]
    return None, search


@bp.route("/bookings/manage/new", methods=["GET", "POST"])
@manager_required
def book_for_someone():
    form = ManagerBookingForm(data={"day": _date_arg("day")} if request.method == "GET" else None)
    form.machine_id.choices = choices((m.id, m.name) for m in bookable_machines())
    if request.method == "GET" and request.args.get("machine_id", "").isdigit():
        form.machine_id.data = int(request.args["machine_id"])
    status = 200
    search = PersonSearch(text="")
    times = form.instants() if form.validate_on_submit() else None
    if request.method == "POST":  # the person's error shows beside the others
        user, search = _chosen_person(form)
        times = times if user is not None else None
    if times is not None:
        machine = get_machine_or_404(form.machine_id.data)
        company = user.company if form.on_company_account.data else None
        try:
            create_reservation(
                machine=machine,
                user=user,
                start=times[0],
                end=times[1],
                by=current_user,
                company=company,
                override_rules=bool(form.override_rules.data),
                note=form.note.data or "",
            )
            commit()
            flash(
                _("Booked %(machine)s for %(name)s.", machine=machine.name, name=user.display_name),
                "success",
            )
            return redirect(url_for("bookings.manage"))
        except (SlotTaken, RuleViolation, NotQualified) as error:
            rollback()
            status = apply_domain_error(form, error)
    elif request.method == "POST":
        status = 422
    return render_template("bookings/book_for.html", form=form, search=search), status
