"""The waitlist: members wait for a taken slot and are offered it when it frees.

Offers are made by a job (``offer_freed_slots``), never inline, so a rerun is
harmless: an entry moves waiting → offered once, with ``offered_at`` and
``offer_expires_at``; a lapsed offer hands the slot to the next in line on the
following run. Claiming books through the booking services, so every rule
and the database's overlap guarantee still apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.bookings.models import Reservation
from fablab.bookings.rules import resolve_rules
from fablab.bookings.services import SlotTaken, create_reservation, overlapping_reservations
from fablab.bookings.waitlist_models import LIVE_STATUSES, WaitlistEntry, WaitlistStatus
from fablab.errors import DomainError, Forbidden
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.timeutil import utcnow

DEFAULT_OFFER_MINUTES = 30


class WaitlistError(DomainError):
    status = 409
    code = "waitlist"


def offer_minutes() -> int:
    return int(current_app.config.get("WAITLIST_OFFER_MINUTES", DEFAULT_OFFER_MINUTES))


def _slot_busy(machine: Machine, start: datetime, end: datetime) -> list[Reservation]:
    blocked_until = end + timedelta(minutes=resolve_rules(machine).buffer_minutes)
    return overlapping_reservations(machine=machine, start=start, blocked_until=blocked_until)


def join_waitlist(
    *, machine: Machine, user: User, start: datetime, end: datetime, now: datetime | None = None
) -> WaitlistEntry:
    """Put ``user`` in line for a taken slot of ``machine``."""
    now = now or utcnow()
    if start.tzinfo is None or end.tzinfo is None:
        raise WaitlistError(_("Dates must include a time zone."), field="start")
    if end <= start:
        raise WaitlistError(_("The end must be after the start."), field="end")
    if start <= now:
        raise WaitlistError(_("This slot has already started."), field="start")
    if not machine.is_bookable:
        raise WaitlistError(_("This machine cannot be booked at the moment."))
    busy = _slot_busy(machine, start, end)
    if not busy:
        raise WaitlistError(_("This slot is free: book it directly."))
    if any(r.user_id == user.id for r in busy):
        raise WaitlistError(_("You already have a booking in this slot."))
    if _live_entry(machine=machine, user=user, start=start, end=end) is not None:
        raise WaitlistError(_("You are already waiting for this slot."))
    entry = WaitlistEntry(
        machine=machine, user=user, start_at=start, end_at=end, status=WaitlistStatus.WAITING
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _live_entry(
    *, machine: Machine, user: User, start: datetime, end: datetime
) -> WaitlistEntry | None:
    return db.session.scalar(
        sa.select(WaitlistEntry).where(
            WaitlistEntry.machine_id == machine.id,
            WaitlistEntry.user_id == user.id,
            WaitlistEntry.start_at == start,
            WaitlistEntry.end_at == end,
            WaitlistEntry.status.in_(LIVE_STATUSES),
        )
    )


def leave_waitlist(*, entry: WaitlistEntry, by: User) -> WaitlistEntry:
    """Leave the line (or decline an offer): the next in line gets the slot."""
    if entry.user_id != by.id and not by.is_manager:
        raise Forbidden()
    if entry.is_live:
        entry.status = WaitlistStatus.LEFT.value
        db.session.flush()
    return entry


def entries_of(user: User) -> list[WaitlistEntry]:
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.user_id == user.id)
            .order_by(WaitlistEntry.start_at.desc())
            .limit(50)
        )
    )


def position_in_line(entry: WaitlistEntry) -> int:
    """1 for the first live entry of an overlapping slot of the same machine."""
    ahead = db.session.scalar(
        sa.select(sa.func.count(WaitlistEntry.id)).where(
            WaitlistEntry.machine_id == entry.machine_id,
            WaitlistEntry.status.in_(LIVE_STATUSES),
            WaitlistEntry.start_at < entry.end_at,
            WaitlistEntry.end_at > entry.start_at,
            WaitlistEntry.created_at < entry.created_at,
        )
    )
    return (ahead or 0) + 1


def _close_stale(now: datetime) -> None:
    """Offers past their expiry lapse; waiting entries whose slot started expire."""
    db.session.execute(
        sa.update(WaitlistEntry)
        .where(
            WaitlistEntry.status == WaitlistStatus.OFFERED.value,
            WaitlistEntry.offer_expires_at <= now,
        )
        .values(status=WaitlistStatus.LAPSED.value),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.update(WaitlistEntry)
        .where(
            WaitlistEntry.status == WaitlistStatus.WAITING.value,
            WaitlistEntry.start_at <= now,
        )
        .values(status=WaitlistStatus.EXPIRED.value),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()


def offer_freed_slots(*, now: datetime | None = None) -> list[WaitlistEntry]:
    """Offer each freed slot to the first in line; lapse offers that ran out.

    An entry is passed over while an earlier entry holds a live offer for an
    overlapping time of the same machine. Returns the offers made now (the
    caller mails them and commits).
    """
    now = now or utcnow()
    _close_stale(now)
    live = db.session.scalars(
        sa.select(WaitlistEntry)
        .where(WaitlistEntry.status.in_(LIVE_STATUSES))
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
    ).all()
    offered = [e for e in live if e.status == WaitlistStatus.OFFERED.value]
    made: list[WaitlistEntry] = []
    for entry in live:
        if entry.status != WaitlistStatus.WAITING.value:
            continue
        if any(_overlaps(entry, other) for other in offered):
            continue
        if _slot_busy(entry.machine, entry.start_at, entry.end_at):
            continue
        entry.status = WaitlistStatus.OFFERED.value
        entry.offered_at = now
        entry.offer_expires_at = min(now + timedelta(minutes=offer_minutes()), entry.start_at)
        offered.append(entry)
        made.append(entry)
    db.session.flush()
    return made


def _overlaps(a: WaitlistEntry, b: WaitlistEntry) -> bool:
    return a.machine_id == b.machine_id and a.start_at < b.end_at and b.start_at < a.end_at


def claim_offer(
    *, entry: WaitlistEntry, by: User, now: datetime | None = None
) -> Reservation | None:
    """Book the offered slot for its member.

    Returns the reservation, or None when someone booked the slot meanwhile:
    the entry then goes back to waiting, keeping its place in line. Raises
    WaitlistError when the offer is gone, and the booking services' errors
    (rules, qualification) as they come.
    """
    now = now or utcnow()
    if entry.user_id != by.id:
        raise Forbidden()
    taken = db.session.execute(
        sa.update(WaitlistEntry)
        .where(
            WaitlistEntry.id == entry.id,
            WaitlistEntry.status == WaitlistStatus.OFFERED.value,
            WaitlistEntry.offer_expires_at > now,
        )
        .values(status=WaitlistStatus.CLAIMED.value, claimed_at=now),
        execution_options={"synchronize_session": False},
    )
    if taken.rowcount != 1:
        raise WaitlistError(_("This offer is no longer valid."))
    db.session.refresh(entry)
    try:
        reservation = create_reservation(
            machine=entry.machine,
            user=entry.user,
            start=entry.start_at,
            end=entry.end_at,
            by=by,
            now=now,
        )
    except SlotTaken:
        entry.status = WaitlistStatus.WAITING.value
        entry.claimed_at = entry.offered_at = entry.offer_expires_at = None
        db.session.flush()
        return None
    entry.reservation_id = reservation.id
    db.session.flush()
    return reservation
