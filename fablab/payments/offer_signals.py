"""Packs listen to the booking signals: they are sent inside the booking's transaction,
so a booking and the minutes it draws are committed (or rolled back) together."""

from __future__ import annotations

from fablab.bookings.services import reservation_cancelled, reservation_created, reservation_moved
from fablab.payments import packs


def _created(_sender=None, *, reservation, **_kwargs) -> None:
    packs.draw_for(reservation)


def _cancelled(_sender=None, *, reservation, **_kwargs) -> None:
    packs.on_cancelled(reservation)


def _moved(_sender=None, *, reservation, **_kwargs) -> None:
    packs.on_moved(reservation)


def connect() -> None:
    """Called once when the offer's blueprint is registered (idempotent: blinker keeps one)."""
    reservation_created.connect(_created)
    reservation_cancelled.connect(_cancelled)
    reservation_moved.connect(_moved)
