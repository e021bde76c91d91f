"""Questions other domains ask about events, answered from the models alone.

Bookings ask for the next training when a qualification is missing: this module
sits below both services, so neither imports the other's.
"""

from __future__ import annotations

import sqlalchemy as sa

from fablab.events.models import Event, EventStatus
from fablab.extensions import db
from fablab.machines.models import Qualification
from fablab.timeutil import utcnow


def next_training_for(qualification: Qualification | None) -> Event | None:
    """The next published training granting ``qualification`` (a hint for bookings)."""
    if qualification is None:
        return None
    return db.session.scalar(
        sa.select(Event)
        .where(
            Event.qualification_id == qualification.id,
            Event.status == EventStatus.PUBLISHED,
            Event.start_at > utcnow(),
        )
        .order_by(Event.start_at)
        .limit(1)
    )
