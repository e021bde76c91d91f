"""JSON API under /api/v1: Bearer tokens or the session cookie with X-CSRFToken."""

from __future__ import annotations

# Route modules register themselves on the blueprint.
from fablab.api import (  # noqa: E402,F401
    accounting,
    billing,
    calendars,
    core,
    events,
    offer,
    outbox,
    payments,
    recurring,
    reports,
    reservations,
    usage,
    users,
)
from fablab.api.blueprint import Unauthorized, bp  # noqa: F401
