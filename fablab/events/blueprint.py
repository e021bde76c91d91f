"""The events blueprint, defined once, and the load helpers its view modules share."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import get_locale
from flask_login import current_user

from fablab.events.models import Event, EventStatus
from fablab.extensions import db

bp = Blueprint("events", __name__)


def locale() -> str:
    return str(get_locale() or "fr")


def is_manager() -> bool:
    return current_user.is_authenticated and current_user.is_manager


def get_event(event_id: int) -> Event:
    """The event, or 404 (drafts are for managers only)."""
    event = db.session.get(Event, event_id)
    if event is None or (event.status == EventStatus.DRAFT and not is_manager()):
        abort(404)
    return event
