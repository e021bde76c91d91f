"""Booking jobs for the scheduler: each one is a single service call and a commit.

Every job marks what it did (a status, ``reminder_sent_at``, ``offered_at``),
so running it again, or twice in a row, does nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fablab.bookings.checkin import complete_attended, release_no_shows
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.bookings.notifications import (
    notify_cancelled,
    notify_reminder,
    notify_waitlist_offer,
)
from fablab.bookings.services import expire_holds
from fablab.bookings.waitlist import offer_freed_slots
from fablab.extensions import db
from fablab.timeutil import utcnow
from fablab.transaction import commit

REMINDER_BEFORE = timedelta(hours=24)


def expire_holds_job() -> int:
    """Holds whose payment never came free their slot."""
    expired = expire_holds(now=utcnow())
    commit()
    return len(expired)


def release_no_shows_job() -> int:
    """Bookings nobody checked in for become no-shows; the booker is told."""
    released = release_no_shows(now=utcnow())
    for reservation in released:
        notify_cancelled(reservation)
    commit()
    return len(released)


def complete_attended_job() -> int:
    """Attended bookings whose time is over become completed (and billable)."""
    completed = complete_attended(now=utcnow())
    commit()
    return len(completed)


def due_reminders(*, now) -> list[Reservation]:
    """Confirmed bookings starting within REMINDER_BEFORE, marked as reminded.

    A booking made inside that window already got its confirmation; it is
    marked without a second mail.
    """
    due = db.session.scalars(
        sa.select(Reservation).where(
            Reservation.status == ReservationStatus.CONFIRMED.value,
            Reservation.reminder_sent_at.is_(None),
            Reservation.start_at > now,
            Reservation.start_at <= now + REMINDER_BEFORE,
        )
    ).all()
    for reservation in due:
        reservation.reminder_sent_at = now
    db.session.flush()
    return [r for r in due if r.created_at is None or r.created_at <= r.start_at - REMINDER_BEFORE]


def send_reminders_job() -> int:
    """Remind bookers the day before."""
    reminded = due_reminders(now=utcnow())
    for reservation in reminded:
        notify_reminder(reservation)
    commit()
    return len(reminded)


def offer_waitlist_job() -> int:
    """Offer freed slots to the first in line; lapsed offers pass to the next."""
    offers = offer_freed_slots(now=utcnow())
    for entry in offers:
        notify_waitlist_offer(entry)
    commit()
    return len(offers)
