"""E-mails to registered people, in their language, with the event as an .ics attachment."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from fablab.events.ical import event_calendar
from fablab.events.models import Registration
from fablab.mail import Attachment, queue_mail
from fablab.urls import external_url


def _send(
    registration: Registration,
    template: str,
    subject,
    *,
    token: str | None = None,
    with_ics: bool = True,
    **context,
) -> None:
    event = registration.event
    locale = registration.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    event_url = external_url("events.detail", event_id=event.id)
    manage_url = external_url("events.manage", token=token) if token else None
    with force_locale(locale):
        title = event.title_for(locale)
        subject_text = str(subject) % {"title": title}
        body = render_template(
            f"events/mail/{template}.txt",
            registration=registration,
            event=event,
            title=title,
            locale=locale,
            event_url=event_url,
            manage_url=manage_url,
            confirm_url=external_url("events.confirm", token=token) if token else None,
            **context,
        )
    attachments = []
    if with_ics:
        ics = event_calendar(event, locale, event_url)
        attachments.append(Attachment(f"event-{event.id}.ics", ics, "text/calendar"))
    queue_mail(registration.email, subject_text, body, attachments)


def send_confirm_link(registration: Registration, token: str | None) -> None:
    _send(
        registration,
        "confirm_link",
        _l("Please confirm your registration: %(title)s"),
        token=token,
        with_ics=False,
    )


def send_confirmed(registration: Registration, token: str | None) -> None:
    _send(registration, "confirmed", _l("Registration confirmed: %(title)s"), token=token)


def send_already_registered(registration: Registration, token: str | None) -> None:
    """Someone registered this address again on the public form: where it stands."""
    _send(
        registration,
        "already_registered",
        _l("You are already registered: %(title)s"),
        token=token,
        with_ics=False,
    )


def send_waitlisted(registration: Registration, token: str | None, rank: int | None) -> None:
    _send(
        registration,
        "waitlisted",
        _l("You are on the waitlist: %(title)s"),
        token=token,
        with_ics=False,
        rank=rank,
    )


def send_promoted(registration: Registration, token: str | None) -> None:
    _send(registration, "promoted", _l("A seat is yours: %(title)s"), token=token)


def send_registration_cancelled(registration: Registration) -> None:
    _send(
        registration,
        "registration_cancelled",
        _l("Registration cancelled: %(title)s"),
        with_ics=False,
    )


def send_event_cancelled(registration: Registration) -> None:
    _send(registration, "event_cancelled", _l("Event cancelled: %(title)s"))


def send_event_changed(registration: Registration) -> None:
    _send(registration, "event_changed", _l("Event changed: %(title)s"))


def send_reminder(registration: Registration, token: str | None) -> None:
    _send(registration, "reminder", _l("Reminder: %(title)s"), token=token)
