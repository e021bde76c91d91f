"""Event jobs for the scheduler: one service call and a commit, safe to rerun.

``reminder_sent_at`` marks who was reminded, so a rerun sends nothing twice.
"""

from __future__ import annotations

from fablab.events.registrations import send_due_reminders
from fablab.timeutil import utcnow
from fablab.transaction import commit


def send_reminders_job() -> int:
    """Remind confirmed people the day before their event."""
    sent = send_due_reminders(now=utcnow())
    commit()
    return sent
