"""Booking e-mails, in the recipient's language, queued until the edge commits.

Confirmation and cancellation carry the booking as an .ics attachment (the
cancellation with STATUS:CANCELLED and a higher SEQUENCE, so calendar clients
remove it). The functions only queue mail: nothing is sent when the request
or job rolls back.

``connect_signals()`` subscribes them to the booking services' signals, so
every booking made anywhere (web, API, waitlist claim) sends its mail without
bookings-core importing this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import urlparse

from flask import current_app, g, render_template
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from fablab.accounts.models import User
from fablab.bookings.ics import reservation_ics, reservations_ics
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.bookings.waitlist_models import WaitlistEntry
from fablab.machines.settings import get_settings
from fablab.mail import Attachment, queue_mail, render_in_locale

log = logging.getLogger("fablab.bookings.notifications")

ICS_MIMETYPE = "text/calendar; charset=utf-8"
MY_BOOKINGS_ENDPOINTS = ("bookings.my_bookings", "bookings.mine", "bookings.index")


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on FABLAB_BASE_URL, also outside a request (jobs)."""
    base = urlparse(current_app.config.get("FABLAB_BASE_URL") or "http://localhost")
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def my_bookings_url() -> str:
    for endpoint in MY_BOOKINGS_ENDPOINTS:
        try:
            return external_url(endpoint)
        except BuildError:
            continue
    return external_url("main.index")


def when(value: datetime) -> str:
    """A day and time in the lab's zone, e.g. "mercredi 3 mars 2027, 14:00"."""
    return f"{format_date(value, 'full')}, {format_time(value, 'short')}"


def hour(value: datetime) -> str:
    return format_time(value, "short")


@contextmanager
def notifications_suppressed() -> Iterator[None]:
    """Within the block, signal-driven booking mails are not queued (series, rollbacks)."""
    previous = g.get("booking_mail_suppressed", False)
    g.booking_mail_suppressed = True
    try:
        yield
    finally:
        g.booking_mail_suppressed = previous


def _mail(
    user: User,
    subject: Callable[[], str],
    template: str,
    attachment: Callable[[], bytes] | None = None,
    **context,
) -> None:
    def render() -> tuple[str, str, bytes | None]:
        body = render_template(
            template,
            user=user,
            bookings_url=my_bookings_url(),
            no_show_minutes=get_settings().no_show_after_minutes,
            when=when,
            hour=hour,
            **context,
        )
        return str(subject()), body, attachment() if attachment else None

    title, body, ics = render_in_locale(user.locale, render)
    attachments = [Attachment("booking.ics", ics, ICS_MIMETYPE)] if ics else []
    queue_mail(user.email, title, body, attachments)


def notify_confirmed(reservation: Reservation, *, moved: bool = False) -> None:
    """Confirmation (or new times after a move) with the booking as .ics."""
    machine = reservation.machine.name
    _mail(
        reservation.user,
        (lambda: _("Booking changed: %(machine)s", machine=machine))
        if moved
        else (lambda: _("Booking confirmed: %(machine)s", machine=machine)),
        "bookings/mail/confirmed.txt",
        lambda: reservation_ics(reservation),
        reservation=reservation,
        moved=moved,
    )


def notify_series_confirmed(reservations: Sequence[Reservation]) -> None:
    """One mail for the booked occurrences of a recurring series, one .ics for all."""
    if not reservations:
        return
    first = reservations[0]
    machine = first.machine.name
    _mail(
        first.user,
        lambda: _("Weekly bookings confirmed: %(machine)s", machine=machine),
        "bookings/mail/series_confirmed.txt",
        lambda: reservations_ics(reservations),
        reservations=reservations,
        machine=first.machine,
    )


def notify_cancelled(reservation: Reservation) -> None:
    """Cancellation (or no-show release) with an .ics that removes the event."""
    machine = reservation.machine.name
    no_show = reservation.status == ReservationStatus.NO_SHOW.value
    _mail(
        reservation.user,
        (lambda: _("Booking released: %(machine)s", machine=machine))
        if no_show
        else (lambda: _("Booking cancelled: %(machine)s", machine=machine)),
        "bookings/mail/cancelled.txt",
        lambda: reservation_ics(reservation),
        reservation=reservation,
        no_show=no_show,
    )


def notify_reminder(reservation: Reservation) -> None:
    machine = reservation.machine.name
    _mail(
        reservation.user,
        lambda: _("Reminder: your booking of %(machine)s", machine=machine),
        "bookings/mail/reminder.txt",
        reservation=reservation,
    )


def notify_waitlist_offer(entry: WaitlistEntry) -> None:
    machine = entry.machine.name
    _mail(
        entry.user,
        lambda: _("A slot is free: %(machine)s", machine=machine),
        "bookings/mail/waitlist_offer.txt",
        entry=entry,
        claim_url=external_url("booking_ops.waitlist_claim", entry_id=entry.id),
    )


def _safely(send: Callable[[], None]) -> None:
    # A mail that cannot be rendered must not undo the booking it is about.
    if g.get("booking_mail_suppressed"):
        return
    try:
        send()
    except Exception:  # noqa: BLE001
        log.exception("could not queue a booking mail")


def _on_created(_sender=None, *, reservation: Reservation, **_kw) -> None:
    if reservation.status == ReservationStatus.CONFIRMED.value:
        _safely(lambda: notify_confirmed(reservation))


def _on_cancelled(_sender=None, *, reservation: Reservation, **_kw) -> None:
    _safely(lambda: notify_cancelled(reservation))


def _on_moved(_sender=None, *, reservation: Reservation, **_kw) -> None:
    if reservation.status == ReservationStatus.CONFIRMED.value:
        _safely(lambda: notify_confirmed(reservation, moved=True))


def connect_signals() -> None:
    """Send the booking mails whenever the booking services create, cancel or move."""
    from fablab.bookings import services

    services.reservation_created.connect(_on_created)
    services.reservation_cancelled.connect(_on_cancelled)
    services.reservation_moved.connect(_on_moved)
