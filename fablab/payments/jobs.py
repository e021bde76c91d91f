"""Scheduled payments work: the reconciliation with Stripe (nothing to do without keys)."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale

from fablab.payments.checkout import stripe_enabled
from fablab.payments.reconcile import reconcile
from fablab.payments.seats import release_unpaid_seats
from fablab.timeutil import utcnow
from fablab.transaction import commit

log = logging.getLogger(__name__)


def reconcile_job() -> int:
    """Apply the Checkout Sessions whose webhook never arrived. Returns how many were applied."""
    if not stripe_enabled():
        return 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        report = reconcile(now=utcnow())
        commit()
    for line in report.failed:
        log.warning("stripe reconcile: %s", line)
    if report.applied:
        log.info("stripe reconcile: %s", "; ".join(report.applied))
    return len(report.applied)


def release_unpaid_seats_job() -> int:
    """Event seats held longer than the hold time without payment are released."""
    if not stripe_enabled():
        return 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        released = release_unpaid_seats(now=utcnow())
        commit()
    if released:
        log.info("released %d unpaid event seats", released)
    return released
