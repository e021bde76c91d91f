"""Scheduled work of the offer: thin wrappers around services, safe to rerun."""

from __future__ import annotations

import logging

from fablab.payments import packs, plans
from fablab.payments.offer_mails import queue_membership_reminder
from fablab.timeutil import utcnow
from fablab.transaction import commit

log = logging.getLogger(__name__)


def expire_memberships_job() -> int:
    """Ended memberships expire and their holders go back to the public rate."""
    ended = plans.expire_memberships(now=utcnow())
    commit()
    if ended:
        log.info("memberships expired: %d", len(ended))
    return len(ended)


def membership_reminders_job() -> int:
    """E-mail each holder once, 30 days before their membership ends (marked when sent)."""
    now = utcnow()
    due = plans.memberships_to_remind(now=now)
    for membership in due:
        queue_membership_reminder(membership)
        membership.reminder_sent_at = now
    commit()
    return len(due)


def expire_packs_job() -> int:
    """Packs past their date expire; their unused minutes are reported, never dropped."""
    expired = packs.expire_packs(now=utcnow())
    commit()
    if expired:
        log.info("packs expired: %d", len(expired))
    return len(expired)
