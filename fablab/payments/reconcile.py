"""Reconciliation: apply the Checkout Sessions whose webhook never arrived.

Lists the recent Checkout Sessions from Stripe (the last two days by default)
and applies every completed or expired one of ours to its record, under the
same row lock and the same rules as the webhook: a record already paid or
expired ignores it, so a session is applied once whether its webhook arrives
before, after or never. A session that fails to apply (Stripe refusing a
refund…) is skipped and reported; the others are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import stripe
from flask import current_app

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.payments import fulfilment
from fablab.payments.checkout import PaymentProviderError, stripe_client
from fablab.payments.records import is_ours, record_for_session

LOOKBACK = timedelta(hours=48)


@dataclass
class ReconcileReport:
    seen: int = 0
    applied: list[str] = field(default_factory=list)  # "cs_…: paid"
    failed: list[str] = field(default_factory=list)


def _recent_sessions(since: datetime):
    params = {"created": {"gte": int(since.timestamp())}, "limit": 100}
    try:
        page = stripe_client().v1.checkout.sessions.list(params=params)
        for session in page.auto_paging_iter():
            yield session.to_dict()
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe did not list the Checkout Sessions: %s", error)
        raise PaymentProviderError() from error


def _apply(session: dict, now: datetime) -> str | None:
    if session.get("status") == "open" or not is_ours(session):
        return None
    record = record_for_session(session)
    if record is None or record.status not in fulfilment.PAYABLE:
        return None
    outcome = fulfilment.apply_session(record, session, now=now)
    return None if outcome.startswith("ignored") else outcome


def reconcile(*, now: datetime, lookback: timedelta = LOOKBACK) -> ReconcileReport:
    """Apply every recent completed or expired session not applied yet. Only flushes."""
    report = ReconcileReport()
    for session in _recent_sessions(now - lookback):
        report.seen += 1
        try:
            with db.session.begin_nested():
                outcome = _apply(session, now)
        except DomainError as error:
            report.failed.append(f"{session['id']}: {error.message}")
            continue
        if outcome:
            report.applied.append(f"{session['id']}: {outcome}")
    return report
