"""Scheduled work of the calendars domain (thin: one service call per subscription)."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale

from fablab.calendars.imports import refresh_subscription, subscriptions
from fablab.transaction import commit

log = logging.getLogger(__name__)


def refresh_calendar_subscriptions() -> int:
    """Refresh every subscribed external calendar; returns how many failed.

    Runs inside an app context. Each subscription is its own unit of work, so one
    unreachable calendar never undoes another's import. Safe to rerun.
    """
    failed = 0
    for subscription in subscriptions():
        # No request here: errors are recorded in the lab's default language.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            result = refresh_subscription(subscription=subscription)
        commit()
        if result.error:
            failed += 1
            log.warning("calendar %s not refreshed: %s", subscription.url, result.error)
        else:
            log.info(
                "calendar %s: %s added, %s updated, %s removed",
                subscription.url,
                result.created,
                result.updated,
                result.removed,
            )
    return failed
