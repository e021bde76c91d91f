"""Booking e-mails, in the recipient's language, written into the outbox with the change.

The booking path only stores what the mail is about (the reservation's id and
its times, status and sequence as of now) with ``queue_unrendered``; the
jobs process renders the text and the .ics when it sends, so a request never
renders mail. Confirmation and cancellation carry the booking as an .ics
attachment (the cancellation with STATUS:CANCELLED and a higher SEQUENCE, so
calendar clients remove it). Nothing is written when the request or job rolls
back.

A waitlist offer carries its deadline: when it cannot be delivered in time
(or the address refuses it for good), the offer lapses at once and the slot
is offered to the next in line.

``connect_signals()`` subscribes them to the booking services' signals, so
every booking made anywhere (web, API, waitlist claim) sends its mail without
bookings-core importing this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import g, render_template
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from fablab.accounts.models import User
from fablab.billing.quote import quote_booking
from fablab.bookings.ics import reservation_ics, reservations_ics
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.bookings.waitlist import offer_freed_slots
from fablab.bookings.waitlist_models import WaitlistEntry, WaitlistStatus
from fablab.extensions import db
from fablab.formatting import format_date, format_time
from fablab.machines.settings import get_settings
from fablab.mail import Attachment, RenderedMail, queue_unrendered, register_renderer
from fablab.outbox.rendering import NotRenderable
from fablab.urls import external_url

log = logging.getLogger("fablab.bookings.notifications")

ICS_MIMETYPE = "text/calendar; charset=utf-8"
MY_BOOKINGS_ENDPOINTS = ("bookings.my_bookings", "bookings.mine", "bookings.index")
# What a booking mail shows of the reservation, as of when the mail was written.
SNAPSHOT_TIMES = ("start_at", "end_at", "updated_at")
SNAPSHOT_VALUES = ("status", "sequence", "cancel_reason")


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


def snapshot(reservation: Reservation) -> dict[str, Any]:
    """The reservation's id and what its mail shows, as JSON."""
    values: dict[str, Any] = {"id": reservation.id}
    for name in SNAPSHOT_TIMES:
        moment = getattr(reservation, name)
        values[name] = moment.isoformat() if moment else None
    for name in SNAPSHOT_VALUES:
        values[name] = getattr(reservation, name)
    return values


class ReservationAsOf:
    """A reservation as it was when its mail was written; the rest (machine…) as it is."""

    def __init__(self, reservation: Reservation, values: dict[str, Any]):
        self._reservation = reservation
        self._values = {
            name: datetime.fromisoformat(values[name]) if values.get(name) else None
            for name in SNAPSHOT_TIMES
        } | {name: values.get(name) for name in SNAPSHOT_VALUES}

    def __getattr__(self, name: str):
        if name in self._values:
            return self._values[name]
        return getattr(self._reservation, name)


def _as_of(values: dict[str, Any]) -> ReservationAsOf:
    reservation = db.session.get(Reservation, values["id"])
    if reservation is None:
        raise NotRenderable(f"booking {values['id']} no longer exists")
    return ReservationAsOf(reservation, values)


def _queue(user: User, kind: str, deadline: datetime | None = None, **params) -> None:
    queue_unrendered(to=user.email, kind=kind, params=params, locale=user.locale, deadline=deadline)


def _render(
    user: User,
    subject: str,
    template: str,
    attachment: Callable[[], bytes] | None = None,
    **context,
) -> RenderedMail:
    body = render_template(
        template,
        user=user,
        bookings_url=my_bookings_url(),
        no_show_minutes=get_settings().no_show_after_minutes,
        when=when,
        hour=hour,
        **context,
    )
    attachments = [Attachment("booking.ics", attachment(), ICS_MIMETYPE)] if attachment else []
    return RenderedMail(str(subject), body, attachments)


def notify_confirmed(reservation: Reservation, *, moved: bool = False) -> None:
    """Confirmation (or new times after a move) with the booking as .ics."""
    _queue(reservation.user, "bookings.confirmed", reservation=snapshot(reservation), moved=moved)


def render_confirmed(params: dict[str, Any]) -> RenderedMail:
    reservation = _as_of(params["reservation"])
    machine = reservation.machine.name
    subject = (
        _("Booking changed: %(machine)s", machine=machine)
        if params.get("moved")
        else _("Booking confirmed: %(machine)s", machine=machine)
    )
    return _render(
        reservation.user,
        subject,
        "bookings/mail/confirmed.txt",
        lambda: reservation_ics(reservation),
        reservation=reservation,
        moved=params.get("moved", False),
        quote=quote_booking(reservation),
    )


def notify_series_confirmed(reservations: Sequence[Reservation]) -> None:
    """One mail for the booked occurrences of a recurring series, one .ics for all."""
    if not reservations:
        return
    _queue(
        reservations[0].user,
        "bookings.series_confirmed",
        reservations=[snapshot(r) for r in reservations],
    )


def render_series_confirmed(params: dict[str, Any]) -> RenderedMail:
    reservations = [_as_of(values) for values in params["reservations"]]
    first = reservations[0]
    return _render(
        first.user,
        _("Weekly bookings confirmed: %(machine)s", machine=first.machine.name),
        "bookings/mail/series_confirmed.txt",
        lambda: reservations_ics(reservations),
        reservations=reservations,
        machine=first.machine,
    )


def notify_cancelled(reservation: Reservation) -> None:
    """Cancellation (or no-show release) with an .ics that removes the event."""
    _queue(reservation.user, "bookings.cancelled", reservation=snapshot(reservation))


def render_cancelled(params: dict[str, Any]) -> RenderedMail:
    reservation = _as_of(params["reservation"])
    machine = reservation.machine.name
    no_show = reservation.status == ReservationStatus.NO_SHOW.value
    return _render(
        reservation.user,
        _("Booking released: %(machine)s", machine=machine)
        if no_show
        else _("Booking cancelled: %(machine)s", machine=machine),
        "bookings/mail/cancelled.txt",
        lambda: reservation_ics(reservation),
        reservation=reservation,
        no_show=no_show,
    )


def notify_reminder(reservation: Reservation) -> None:
    _queue(reservation.user, "bookings.reminder", reservation=snapshot(reservation))


def render_reminder(params: dict[str, Any]) -> RenderedMail:
    reservation = _as_of(params["reservation"])
    return _render(
        reservation.user,
        _("Reminder: your booking of %(machine)s", machine=reservation.machine.name),
        "bookings/mail/reminder.txt",
        reservation=reservation,
    )


def notify_waitlist_offer(entry: WaitlistEntry) -> None:
    """The offer, valid until ``offer_expires_at``: undelivered by then, it passes on."""
    _queue(
        entry.user, "bookings.waitlist_offer", deadline=entry.offer_expires_at, entry_id=entry.id
    )


def render_waitlist_offer(params: dict[str, Any]) -> RenderedMail:
    entry = db.session.get(WaitlistEntry, params["entry_id"])
    if entry is None:
        raise NotRenderable(f"waitlist entry {params['entry_id']} no longer exists")
    return _render(
        entry.user,
        _("A slot is free: %(machine)s", machine=entry.machine.name),
        "bookings/mail/waitlist_offer.txt",
        entry=entry,
        claim_url=external_url("booking_ops.waitlist_claim", entry_id=entry.id),
    )


def pass_undelivered_offer(message, *, now: datetime, **_kw) -> None:
    """An offer its member could not be told about in time lapses now; the next is offered."""
    if message.kind != "bookings.waitlist_offer":
        return
    entry = db.session.get(WaitlistEntry, (message.params or {}).get("entry_id"))
    if entry is None or entry.status != WaitlistStatus.OFFERED.value:
        return
    entry.status = WaitlistStatus.LAPSED.value
    db.session.flush()
    for offer in offer_freed_slots(now=now):
        notify_waitlist_offer(offer)


for _kind, _renderer in (
    ("bookings.confirmed", render_confirmed),
    ("bookings.series_confirmed", render_series_confirmed),
    ("bookings.cancelled", render_cancelled),
    ("bookings.reminder", render_reminder),
    ("bookings.waitlist_offer", render_waitlist_offer),
):
    register_renderer(_kind, _renderer)


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
    from fablab.outbox.services import message_undeliverable

    services.reservation_created.connect(_on_created)
    services.reservation_cancelled.connect(_on_cancelled)
    services.reservation_moved.connect(_on_moved)
    message_undeliverable.connect(pass_undelivered_offer)
