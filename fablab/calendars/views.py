"""Calendar feeds (.ics), the subscription page and the manager's imports page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.http import is_resource_modified

from fablab.accounts.auth import manager_required
from fablab.calendars import feeds, scopes
from fablab.calendars.forms import SubscriptionForm
from fablab.calendars.import_models import CalendarSubscription
from fablab.calendars.imports import (
    SubscriptionError,
    add_subscription,
    imported_closure_counts,
    refresh_subscription,
    remove_subscription,
    subscriptions,
)
from fablab.calendars.tokens import (
    company_for_token,
    live_company_token,
    rotate_company_token,
    rotate_user_token,
    user_for_token,
)
from fablab.extensions import db
from fablab.machines.models import Machine, MachineStatus
from fablab.machines.settings import get_settings
from fablab.timeutil import utcnow
from fablab.transaction import commit
from fablab.urls import external_url

bp = Blueprint("calendars", __name__, url_prefix="/calendar")

# Bump when the feeds' layout changes, so every cached copy is refetched.
FEED_FORMAT = "1"


def _salt(*parts: object) -> str:
    settings = get_settings()
    return "|".join(map(str, (FEED_FORMAT, settings.name, settings.timezone, *parts)))


def _ics(fresh: scopes.Freshness, build: Callable[[], bytes], *, filename: str, private: bool):
    """The feed, or 304 when the client's copy is current (decided before building)."""
    if is_resource_modified(request.environ, etag=fresh.etag, last_modified=fresh.last_modified):
        response = Response(build(), mimetype="text/calendar")
    else:
        response = Response(status=304)
    response.set_etag(fresh.etag)
    if fresh.last_modified is not None:
        response.last_modified = fresh.last_modified
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, max-age=300"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _feed_locale() -> str:
    chosen = request.args.get("lang")
    return chosen if chosen in ("fr", "en") else str(get_locale() or "fr")


@bp.get("/user/<token>.ics")
def user_feed(token: str):
    user = user_for_token(token) or abort(404)
    now = utcnow()
    fresh = scopes.freshness(
        salt=_salt("user", user.id, user.locale),
        reservations=scopes.user_reservations(user, now),
        registrations=scopes.user_registrations(user, now),
    )
    return _ics(
        fresh, lambda: feeds.user_feed(user, now=now), filename="bookings.ics", private=True
    )


@bp.get("/company/<token>.ics")
def company_feed(token: str):
    company = company_for_token(token) or abort(404)
    now = utcnow()
    fresh = scopes.freshness(
        salt=_salt("company", company.id, company.legal_name),
        reservations=scopes.company_reservations(company, now),
    )
    return _ics(
        fresh, lambda: feeds.company_feed(company, now=now), filename="company.ics", private=True
    )


@bp.get("/machines/<int:machine_id>.ics")
def machine_feed(machine_id: int):
    machine = db.session.get(Machine, machine_id) or abort(404)
    now, locale = utcnow(), _feed_locale()
    fresh = scopes.freshness(
        salt=_salt("machine", machine.id, machine.name, locale),
        reservations=scopes.machine_reservations(machine, now),
    )
    return _ics(
        fresh,
        lambda: feeds.machine_feed(machine, locale=locale, now=now),
        filename=f"machine-{machine.id}.ics",
        private=False,
    )


@bp.get("/events.ics")
def events_feed():
    now, locale = utcnow(), _feed_locale()
    fresh = scopes.freshness(salt=_salt("events", locale), events=scopes.public_events(now))
    return _ics(
        fresh,
        lambda: feeds.events_feed(locale=locale, now=now),
        filename="events.ics",
        private=False,
    )


def feed_links(https_url: str) -> dict[str, str]:
    """The https address, its webcal:// twin and a Google Calendar link."""
    webcal = "webcal://" + https_url.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    return {"https": https_url, "webcal": webcal, "google": google}


def _is_company_contact() -> bool:
    return bool(current_user.company and current_user.is_company_contact)


def render_subscriptions(*, new_personal: str | None = None, new_company: str | None = None):
    """The subscription page; a link just made is shown in full, this once only."""
    company_row = live_company_token(current_user.company) if _is_company_contact() else None
    machines = db.session.scalars(
        sa.select(Machine).where(Machine.status != MachineStatus.RETIRED).order_by(Machine.name)
    ).all()
    page = render_template(
        "calendars/subscriptions.html",
        personal_prefix=current_user.calendar_token_prefix,
        personal=new_personal
        and feed_links(external_url("calendars.user_feed", token=new_personal)),
        company_contact=_is_company_contact(),
        company_prefix=company_row.prefix if company_row else None,
        company=new_company
        and feed_links(external_url("calendars.company_feed", token=new_company)),
        events=feed_links(external_url("calendars.events_feed")),
        machines=[
            (m, feed_links(external_url("calendars.machine_feed", machine_id=m.id)))
            for m in machines
        ],
    )
    secret_shown = new_personal or new_company
    return page, 200, {"Cache-Control": "no-store"} if secret_shown else {}


@bp.get("/")
@login_required
def subscriptions_page():
    return render_subscriptions()


@bp.post("/revoke")
@login_required
def revoke_personal():
    """Make a new personal feed link (the old one, if any, stops working) and show it once."""
    token = rotate_user_token(current_user)
    commit()
    return render_subscriptions(new_personal=token)


@bp.post("/company/revoke")
@login_required
def revoke_company():
    if not _is_company_contact():
        abort(403)
    token = rotate_company_token(current_user.company, contact=current_user)
    commit()
    return render_subscriptions(new_company=token)


def _machine_choices() -> list[tuple[int, str]]:
    machines = db.session.scalars(sa.select(Machine).order_by(Machine.name)).all()
    return [(0, str(_l("The whole lab")))] + [(m.id, m.name) for m in machines]


@bp.route("/imports", methods=["GET", "POST"])
@manager_required
def imports_page():
    form = SubscriptionForm()
    form.machine_id.choices = _machine_choices()
    if form.validate_on_submit():
        machine = db.session.get(Machine, form.machine_id.data) if form.machine_id.data else None
        try:
            subscription = add_subscription(name=form.name.data, url=form.url.data, machine=machine)
        except SubscriptionError as error:
            getattr(form, error.field or "url").errors.append(error.message)
        else:
            result = refresh_subscription(subscription=subscription)
            commit()
            _flash_result(subscription, result)
            return redirect(url_for(".imports_page"))
    return render_template(
        "calendars/imports.html",
        form=form,
        subscriptions=subscriptions(),
        counts=imported_closure_counts(),
    )


def _subscription(subscription_id: int) -> CalendarSubscription:
    return db.session.get(CalendarSubscription, subscription_id) or abort(404)


def _flash_result(subscription: CalendarSubscription, result) -> None:
    if result.error:
        flash(_("%(name)s: %(error)s", name=subscription.name, error=result.error), "error")
    elif result.not_modified:
        flash(_("%(name)s has not changed.", name=subscription.name), "info")
    else:
        flash(
            _(
                "%(name)s: %(created)s closures added, %(updated)s updated, %(removed)s removed.",
                name=subscription.name,
                created=result.created,
                updated=result.updated,
                removed=result.removed,
            ),
            "success",
        )


@bp.post("/imports/<int:subscription_id>/refresh")
@manager_required
def refresh_import(subscription_id: int):
    subscription = _subscription(subscription_id)
    result = refresh_subscription(subscription=subscription)
    commit()
    _flash_result(subscription, result)
    return redirect(url_for(".imports_page"))


@bp.post("/imports/<int:subscription_id>/delete")
@manager_required
def delete_import(subscription_id: int):
    subscription = _subscription(subscription_id)
    name = subscription.name
    removed = remove_subscription(subscription=subscription)
    commit()
    flash(_("%(name)s removed with its %(count)s closures.", name=name, count=removed), "success")
    return redirect(url_for(".imports_page"))
