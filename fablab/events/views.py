"""Event pages: the public list, an event with its registration form, e-mailed links, mine.

The manager's pages share the blueprint (``fablab.events.manage_views``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fablab.errors import DomainError
from fablab.events import registrations as regs
from fablab.events.blueprint import bp, get_event, is_manager, locale
from fablab.events.forms import MemberRegistrationForm, RegistrationForm
from fablab.events.labels import (
    AUDIENCE_LABELS,
    KIND_LABELS,
    audience_label,
    event_kind_label,
    event_status_label,
    event_when,
    partner_kind_label,
    registration_status_label,
)
from fablab.events.models import Audience, Event, EventKind, Registration
from fablab.events.services import upcoming_events
from fablab.extensions import db
from fablab.payments import seats as paid_seats
from fablab.payments.views_helpers import return_urls as payment_return_urls
from fablab.transaction import commit, rollback


@bp.app_context_processor
def inject_labels():
    return {
        "event_kind_label": event_kind_label,
        "event_when": event_when,
        "audience_label": audience_label,
        "event_status_label": event_status_label,
        "registration_status_label": registration_status_label,
        "partner_kind_label": partner_kind_label,
    }


def get_own_registration(registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        abort(404)
    if not regs.can_manage_registration(current_user, registration):
        abort(403)
    return registration


@bp.get("/events")
def index():
    kind = request.args.get("kind", "")
    audience = request.args.get("audience", "")
    kind = kind if kind in {k.value for k in EventKind} else ""
    audience = audience if audience in {a.value for a in Audience} else ""
    events = upcoming_events(kind=kind or None, audience=audience or None)
    return render_template(
        "events/index.html",
        events=events,
        kind=kind,
        audience=audience,
        kinds=KIND_LABELS,
        audiences=AUDIENCE_LABELS,
        locale=locale(),
        seats_left=regs.seats_left,
    )


def registration_form():
    if current_user.is_authenticated:
        return MemberRegistrationForm()
    return RegistrationForm()


def render_detail(event: Event, form, status: int = 200):
    mine = None
    if current_user.is_authenticated:
        mine = regs.active_registration(event, current_user.email)
    return render_template(
        "events/detail.html",
        event=event,
        form=form,
        mine=mine,
        rank=regs.waitlist_rank(mine) if mine else None,
        seats_left=regs.seats_left(event),
        locale=locale(),
        can_manage=is_manager(),
        open=event.is_published and not regs.has_started(event),
    ), status


@bp.get("/events/<int:event_id>")
def detail(event_id: int):
    return render_detail(get_event(event_id), registration_form())


@bp.post("/events/<int:event_id>/register")
def register(event_id: int):
    event = get_event(event_id)
    form = registration_form()
    if not form.validate_on_submit():
        return render_detail(event, form, 422)
    user = current_user if current_user.is_authenticated else None
    pay_at_desk = request.form.get("pay_at_desk") == "y"
    held = paid_seats.card_expected(event, user, pay_at_desk=pay_at_desk)
    fields = {}
    if user is None:
        fields = {"email": form.email.data, "name": form.name.data}
        fields["company_name"] = form.company_name.data or ""
    try:
        registration = regs.register(
            event=event,
            user=user,
            first_visit=form.first_visit.data,
            locale=locale(),
            hold_confirmation=held,
            **fields,
        )
    except DomainError as error:
        rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "error")
        return render_detail(get_event(event_id), form, error.status)
    if paid_seats.needs_card(registration, pay_at_desk=pay_at_desk):
        return _pay_seat(registration, form)  # confirmed by mail once paid
    paid_seats.send_held_confirmation(registration, held=held)
    commit()
    # A visitor always reads "check your mailbox": the page never tells whether the
    # address was already registered (its owner is told by mail).
    shown = registration.status if user is not None else "pending_confirmation"
    return redirect(url_for("events.registered", event_id=event.id, r=shown))


def _pay_seat(registration, form):
    """A paid seat: held while its person pays by card (Stripe Checkout)."""
    success_url, cancel_url = payment_return_urls()
    try:
        record = paid_seats.start_seat_checkout(
            registration, success_url=success_url, cancel_url=cancel_url
        )
        commit()
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return render_detail(get_event(registration.event_id), form, error.status)
    return redirect(record.url, 303)


@bp.get("/events/<int:event_id>/registered")
def registered(event_id: int):
    """Where the form leads: what happens next (check your mail, confirmed, waitlist)."""
    return render_template(
        "events/registered.html",
        event=get_event(event_id),
        status=request.args.get("r", ""),
        locale=locale(),
    )


@bp.route("/events/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """The e-mailed link. GET only shows a button: mail scanners follow links."""
    registration = regs.registration_for_token(token)
    if request.method == "GET":
        return render_template(
            "events/confirm.html", registration=registration, token=token, locale=locale()
        )
    try:
        registration = regs.confirm_registration(token=token)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("events.detail", event_id=registration.event_id))
    commit()
    return redirect(url_for("events.manage", token=token))


@bp.get("/events/registration/<token>")
def manage(token: str):
    """A visitor's own registration, reached from an e-mail (no account needed)."""
    registration = regs.registration_for_token(token)
    return render_template(
        "events/registration.html",
        registration=registration,
        event=registration.event,
        token=token,
        rank=regs.waitlist_rank(registration),
        locale=locale(),
    )


@bp.post("/events/registration/<token>/cancel")
def cancel_by_token(token: str):
    registration = regs.registration_for_token(token)
    _cancel(registration, by=None)
    return redirect(url_for("events.manage", token=token))


@bp.get("/events/mine")
@login_required
def mine():
    return render_template(
        "events/mine.html",
        registrations=regs.registrations_of(current_user),
        locale=locale(),
        rank=regs.waitlist_rank,
    )


@bp.post("/events/registrations/<int:registration_id>/cancel")
@login_required
def cancel_mine(registration_id: int):
    registration = get_own_registration(registration_id)
    _cancel(registration, by=current_user)
    target = request.form.get("next", "")
    if target == "manage" and current_user.is_manager:
        return redirect(url_for("events.registrations", event_id=registration.event_id))
    return redirect(url_for("events.mine"))


def _cancel(registration: Registration, *, by) -> None:
    try:
        regs.cancel_registration(registration=registration, by=by)
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return
    commit()
    flash(_("The registration is cancelled."), "success")


# The manager's pages share this blueprint.
from fablab.events import manage_views, partner_views  # noqa: E402,F401
