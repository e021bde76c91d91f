"""Scheduled billing work: thin wrappers around services, safe to rerun."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale

from fablab.billing.runs import previous_month, run_monthly_invoicing
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.transaction import commit

log = logging.getLogger(__name__)


def monthly_invoicing_job() -> int:
    """On the 1st of a month (lab time), invoice the previous month. Returns invoices issued.

    Runs every few hours; on other days it does nothing, and a second run on the
    1st finds everything already billed.
    """
    today = to_local(utcnow()).date()
    if today.day != 1:
        return 0
    # No request in a job: texts (charge descriptions, mails) in the lab's default language.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        result = run_monthly_invoicing(month=previous_month(today))
        commit()
    log.info("monthly invoicing %s: %d invoices", result.month, len(result.invoices))
    return len(result.invoices)


def overdue_reminders_job() -> int:
    """Send the reminders that are due today (safe to rerun). Returns how many were sent."""
    from fablab.billing.reminders import send_due_reminders

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        sent = send_due_reminders(today=to_local(utcnow()).date())
        commit()
    log.info("overdue reminders: %d sent", len(sent))
    return len(sent)
