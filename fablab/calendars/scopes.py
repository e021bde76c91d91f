"""Which rows each feed holds, and the cheap aggregate that says when it changed.

The same WHERE clause serves the feed and its freshness, so the ETag changes
exactly when the feed's content can: a row is added, changed (``updated_at``),
or leaves the window (the count changes).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from fablab.accounts.models import Company, User
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.events.models import Event, EventStatus, Registration, RegistrationStatus
from fablab.extensions import db
from fablab.machines.models import Machine

# How long a cancelled booking or event stays in feeds (as STATUS:CANCELLED),
# so that every subscribed client sees the cancellation and removes it.
CANCELLED_KEPT = timedelta(days=30)
# How far back finished bookings and events stay in feeds.
HISTORY = timedelta(days=365)

_LIVE = (
    ReservationStatus.HELD.value,
    ReservationStatus.CONFIRMED.value,
    ReservationStatus.COMPLETED.value,
    ReservationStatus.NO_SHOW.value,
)
_GONE = (ReservationStatus.CANCELLED.value, ReservationStatus.EXPIRED.value)
_SEATED = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITLISTED.value)


def _shown_reservations(now: datetime) -> ColumnElement[bool]:
    gone_at = sa.func.coalesce(Reservation.cancelled_at, Reservation.updated_at)
    return sa.or_(
        sa.and_(Reservation.status.in_(_LIVE), Reservation.end_at >= now - HISTORY),
        sa.and_(Reservation.status.in_(_GONE), gone_at >= now - CANCELLED_KEPT),
    )


def user_reservations(user: User, now: datetime) -> ColumnElement[bool]:
    return sa.and_(Reservation.user_id == user.id, _shown_reservations(now))


def company_reservations(company: Company, now: datetime) -> ColumnElement[bool]:
    """Bookings on the company's account only: an employee's personal bookings stay theirs
    (the API shows a contact the same, see bookings.queries.visible_to)."""
    return sa.and_(Reservation.company_id == company.id, _shown_reservations(now))


def machine_reservations(machine: Machine, now: datetime) -> ColumnElement[bool]:
    return sa.and_(Reservation.machine_id == machine.id, _shown_reservations(now))


def _event_cancelled_recently(now: datetime) -> ColumnElement[bool]:
    cancelled_at = sa.func.coalesce(Event.cancelled_at, Event.updated_at)
    return sa.and_(
        Event.status == EventStatus.CANCELLED.value, cancelled_at >= now - CANCELLED_KEPT
    )


def public_events(now: datetime) -> ColumnElement[bool]:
    """Published events (and recently cancelled ones, so clients drop them)."""
    return sa.or_(
        sa.and_(Event.status == EventStatus.PUBLISHED.value, Event.end_at >= now - HISTORY),
        _event_cancelled_recently(now),
    )


def user_registrations(user: User, now: datetime) -> ColumnElement[bool]:
    """The person's registrations (to be joined with their event)."""
    left_at = sa.func.coalesce(Registration.cancelled_at, Registration.updated_at)
    seated = sa.and_(
        Registration.status.in_(_SEATED),
        Event.status == EventStatus.PUBLISHED.value,
        Event.end_at >= now - HISTORY,
    )
    left = sa.and_(
        Registration.status == RegistrationStatus.CANCELLED.value,
        left_at >= now - CANCELLED_KEPT,
        Event.status != EventStatus.DRAFT.value,
    )
    return sa.and_(
        Registration.user_id == user.id,
        sa.or_(
            seated, left, sa.and_(Registration.status.in_(_SEATED), _event_cancelled_recently(now))
        ),
    )


@dataclass(frozen=True)
class Freshness:
    etag: str
    last_modified: datetime | None


def freshness(
    *,
    salt: str,
    reservations: ColumnElement[bool] | None = None,
    events: ColumnElement[bool] | None = None,
    registrations: ColumnElement[bool] | None = None,
) -> Freshness:
    """ETag and Last-Modified of a feed from max(updated_at) and count(*) only."""
    parts: list[str] = [salt]
    stamps: list[datetime] = []
    if reservations is not None:
        row = db.session.execute(
            sa.select(sa.func.max(Reservation.updated_at), sa.func.count()).where(reservations)
        ).one()
        parts.append(f"r{row[1]}")
        stamps.append(row[0])
    if events is not None:
        row = db.session.execute(
            sa.select(sa.func.max(Event.updated_at), sa.func.count()).where(events)
        ).one()
        parts.append(f"e{row[1]}")
        stamps.append(row[0])
    if registrations is not None:
        row = db.session.execute(
            sa.select(
                sa.func.max(Registration.updated_at), sa.func.max(Event.updated_at), sa.func.count()
            )
            .select_from(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(registrations)
        ).one()
        parts.append(f"g{row[2]}")
        stamps.extend(row[:2])
    known = [stamp for stamp in stamps if stamp is not None]
    last_modified = max(known).replace(microsecond=0) if known else None
    parts.extend(stamp.isoformat() if stamp else "-" for stamp in stamps)
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return Freshness(etag=digest, last_modified=last_modified)
