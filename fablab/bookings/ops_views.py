"""Booking operations pages: the machine kiosk (check-in, QR code), the
waitlist and recurring series. Blueprint ``booking_ops``."""

from __future__ import annotations

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from fablab.accounts.models import User
from fablab.accounts.services import authenticate
from fablab.bookings import checkin, waitlist
from fablab.bookings.notifications import connect_signals, notify_series_confirmed
from fablab.bookings.ops_forms import KioskCheckInForm, RecurringForm, WaitlistJoinForm
from fablab.bookings.queries import get_machine_or_404
from fablab.bookings.recurring import SeriesRefused, book_weekly_series
from fablab.bookings.waitlist_models import WaitlistEntry
from fablab.errors import DomainError, NotFound
from fablab.extensions import db
from fablab.formatting import format_time
from fablab.machines.models import Machine, MachineStatus
from fablab.machines.zone import local_to_utc
from fablab.security import attempts
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback
from fablab.urls import external_url
from fablab.webapp import manifest_response, web_app_manifest

bp = Blueprint("booking_ops", __name__)
connect_signals()


# -- kiosk -------------------------------------------------------------------------


def kiosk_qr_svg(machine_id: int) -> Markup:
    """The kiosk URL of a machine as an inline SVG QR code (print it on the machine)."""
    url = external_url("booking_ops.kiosk", machine_id=machine_id)
    return Markup(segno.make(url, error="m").svg_inline(scale=5, title=url))  # noqa: S704


@bp.app_template_global()
def machine_kiosk_qr(machine_id: int) -> Markup:
    """For other pages (the machine's manager page): ``{{ machine_kiosk_qr(machine.id) }}``."""
    return kiosk_qr_svg(machine_id)


@bp.get("/kiosk/machines/<int:machine_id>")
def kiosk(machine_id: int):
    machine = get_machine_or_404(machine_id)
    now = utcnow()
    mine = []
    if current_user.is_authenticated:
        mine = checkin.bookings_to_check_in(machine=machine, user=current_user, now=now)
    return render_template(
        "booking_ops/kiosk.html",
        machine=machine,
        current=checkin.current_booking(machine=machine, now=now),
        upcoming=checkin.next_booking(machine=machine, now=now),
        mine=mine,
        form=KioskCheckInForm(),
        opens_minutes=checkin.CHECK_IN_OPENS_MINUTES,
    )


@bp.get("/kiosk/machines/<int:machine_id>/manifest.webmanifest")
def kiosk_manifest(machine_id: int):
    """The kiosk as a full-screen app: a tablet that adds it to its home screen opens this
    machine's kiosk without any browser bar."""
    machine = get_machine_or_404(machine_id)
    start = url_for("booking_ops.kiosk", machine_id=machine.id)
    return manifest_response(
        web_app_manifest(name=machine.name, start_url=start, scope="/kiosk/", display="fullscreen")
    )


def _kiosk_user(form: KioskCheckInForm) -> User | None:
    """The typed-in account when e-mail and password match, else the logged-in one.

    Same path and cost whether or not the account exists (``authenticate``
    checks a dummy hash for unknown e-mails); wrong passwords count towards the
    same lockout as the login page.
    """
    if form.email.data:
        user = authenticate(email=form.email.data, password=form.password.data or "")
        if user is None:
            attempts.record_failure(form.email.data)
        return user
    return current_user if current_user.is_authenticated else None


def _kiosk_refusal(machine: Machine, message: str):
    flash(message, "error")
    return redirect(url_for("booking_ops.kiosk", machine_id=machine.id))


@bp.post("/kiosk/machines/<int:machine_id>/check-in")
def kiosk_check_in(machine_id: int):
    machine = get_machine_or_404(machine_id)
    form = KioskCheckInForm()
    typed = bool(form.email.data)
    wait = attempts.seconds_blocked(form.email.data) if typed else 0
    if wait:
        return _kiosk_refusal(machine, attempts.too_many_attempts(wait))
    user = _kiosk_user(form) if form.validate() else None
    # One message for a wrong password and for a right one without a booking to
    # start: the anonymous kiosk must not tell which passwords are right.
    refused = _("Wrong e-mail or password, or no booking of yours to start now.")
    if user is None:
        return _kiosk_refusal(machine, refused if typed else _("Wrong e-mail or password."))
    try:
        reservation = checkin.check_in(machine=machine, user=user)
    except checkin.CheckInRefused as error:
        return _kiosk_refusal(machine, refused if typed else error.message)
    commit()
    flash(
        _(
            "Checked in, %(name)s. The machine is yours until %(end)s.",
            name=user.display_name,
            end=_time(reservation.end_at),
        ),
        "success",
    )
    return redirect(url_for("booking_ops.kiosk", machine_id=machine.id))


def _time(value) -> str:
    return format_time(value, "short")


@bp.get("/kiosk/machines/<int:machine_id>/qr")
@login_required
def kiosk_qr(machine_id: int):
    if not current_user.is_manager:
        abort(403)
    machine = get_machine_or_404(machine_id)
    return render_template("booking_ops/qr.html", machine=machine, qr=kiosk_qr_svg(machine.id))


@bp.get("/kiosk")
@login_required
def kiosk_index():
    if not current_user.is_manager:
        abort(403)
    machines = db.session.scalars(
        sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
    ).all()
    return render_template("booking_ops/qr_sheet.html", machines=machines, qr=kiosk_qr_svg)


# -- waitlist ----------------------------------------------------------------------


def _own_entry(entry_id: int) -> WaitlistEntry:
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None:
        raise NotFound()
    if entry.user_id != current_user.id:
        abort(403)
    return entry


@bp.get("/waitlist")
@login_required
def my_waitlist():
    entries = waitlist.entries_of(current_user)
    positions = {e.id: waitlist.position_in_line(e) for e in entries if e.is_live}
    return render_template("booking_ops/waitlist.html", entries=entries, positions=positions)


@bp.route("/waitlist/join", methods=["GET", "POST"])
@login_required
def waitlist_join():
    form = WaitlistJoinForm(request.form if request.method == "POST" else request.args)
    machine = _form_machine(form.machine_id.data)
    if request.method == "POST" and form.validate():
        start = local_to_utc(form.day.data, form.start_time.data)
        end = local_to_utc(form.day.data, form.end_time.data)
        try:
            waitlist.join_waitlist(machine=machine, user=current_user, start=start, end=end)
        except DomainError as error:
            rollback()
            flash(error.message, "error")
        else:
            commit()
            flash(_("You are on the waitlist. We will e-mail you if the slot frees."), "success")
            return redirect(url_for("booking_ops.my_waitlist"))
    return render_template("booking_ops/waitlist_join.html", form=form, machine=machine)


def _form_machine(value) -> Machine:
    try:
        machine_id = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < machine_id < 2**31:  # no such id (and beyond what the database stores)
        raise NotFound()
    return get_machine_or_404(machine_id)


@bp.post("/waitlist/<int:entry_id>/leave")
@login_required
def waitlist_leave(entry_id: int):
    entry = _own_entry(entry_id)
    waitlist.leave_waitlist(entry=entry, by=current_user)
    commit()
    flash(_("You left the waitlist."), "success")
    return redirect(url_for("booking_ops.my_waitlist"))


@bp.route("/waitlist/<int:entry_id>/claim", methods=["GET", "POST"])
@login_required
def waitlist_claim(entry_id: int):
    entry = _own_entry(entry_id)
    if request.method == "GET":
        return render_template("booking_ops/waitlist_claim.html", entry=entry, now=utcnow())
    try:
        reservation = waitlist.claim_offer(entry=entry, by=current_user)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("booking_ops.my_waitlist"))
    commit()
    if reservation is None:
        flash(_("Someone booked this slot just before you. You keep your place in line."), "error")
    else:
        flash(_("The slot is yours: your booking is confirmed."), "success")
    return redirect(url_for("booking_ops.my_waitlist"))


# -- recurring series --------------------------------------------------------------


def _may_book_series(user) -> bool:
    return user.is_manager or bool(user.is_company_contact and user.company_id)


def _recurring_form() -> RecurringForm:
    form = RecurringForm()
    form.machine_id.choices = [
        (m.id, m.name)
        for m in db.session.scalars(
            sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
        )
    ]
    people = sa.select(User).where(User.active.is_(True)).order_by(User.name, User.email)
    if not current_user.is_manager:
        people = people.where(User.company_id == current_user.company_id)
    form.user_id.choices = [
        (u.id, f"{u.display_name} <{u.email}>") for u in db.session.scalars(people)
    ]
    if request.method == "GET":
        form.user_id.data = current_user.id
        form.on_company_account.data = not current_user.is_manager
    return form


@bp.route("/bookings/recurring", methods=["GET", "POST"])
@login_required
def recurring():
    if not _may_book_series(current_user):
        abort(403)
    form = _recurring_form()
    result, refusal = None, None
    if form.validate_on_submit():
        result, refusal = _book_series_from(form)
    return render_template("booking_ops/recurring.html", form=form, result=result, refusal=refusal)


def _book_series_from(form: RecurringForm):
    machine = get_machine_or_404(form.machine_id.data)
    user = db.session.get(User, form.user_id.data)
    company = user.company if form.on_company_account.data else None
    try:
        result = book_weekly_series(
            machine=machine,
            user=user,
            start=local_to_utc(form.first_day.data, form.start_time.data),
            end=local_to_utc(form.first_day.data, form.end_time.data),
            by=current_user,
            count=form.count.data,
            until=form.until.data,
            company=company,
            skip_conflicts=form.skip_conflicts.data,
            override_rules=bool(form.override_rules.data and current_user.is_manager),
            note=form.note.data or "",
        )
    except SeriesRefused as refused:
        rollback()
        return refused.result, refused.message  # type: ignore[attr-defined]
    except DomainError as error:
        rollback()
        return None, error.message
    notify_series_confirmed(result.booked)
    commit()
    return result, None
