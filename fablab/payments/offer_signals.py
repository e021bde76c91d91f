"""Packs listen to the booking signals: they are sent inside the booking's transaction,
so a booking and the minutes it draws are committed (or rolled back) together."""

from __future__ import annotations

from fablab.billing.quote import register_prepaid_minutes
from fablab.bookings.services import reservation_cancelled, reservation_created, reservation_moved
from fablab.payments import packs
from fablab.payments.slots import must_prepay


def _created(_sender=None, *, reservation, **_kwargs) -> None:
    packs.draw_for(reservation)


def _cancelled(_sender=None, *, reservation, **_kwargs) -> None:
    packs.on_cancelled(reservation)


def _moved(_sender=None, *, reservation, **_kwargs) -> None:
    packs.on_moved(reservation)


def _prepaid_minutes(user, company, machine, start, minutes) -> int:
    """What a booking would draw from packs; nothing for a payer who pays the slot by card
    (a held booking draws nothing, see ``packs.draw_for``)."""
    if must_prepay(user, company):
        return 0
    return packs.minutes_to_draw(
        user=user, company=company, machine_kind=machine.kind, start=start, minutes=minutes
    )


def connect() -> None:
    """Called once when the offer's blueprint is registered (idempotent: blinker keeps one)."""
    reservation_created.connect(_created)
    reservation_cancelled.connect(_cancelled)
    reservation_moved.connect(_moved)
    register_prepaid_minutes(_prepaid_minutes)
