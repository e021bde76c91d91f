"""Scheduled payments work: the reconciliation with Stripe (nothing to do without keys)."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale

from fablab.payments.checkout import stripe_enabled
from fablab.payments.expiry import close_expired_holds
from fablab.payments.reconcile import reconcile
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


def close_expired_holds_job() -> int:
    """Slots and seats held longer than the hold time without payment: their Checkout is closed
    at Stripe and what was held released."""
    if not stripe_enabled():
        return 0
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        released = close_expired_holds(now=utcnow())
        commit()
    if released:
        log.info("closed %d unpaid holds", released)
    return released
