"""The sender: the scheduler's ``mail.send_outbox`` job, also run by ``flask outbox send``.

It commits after the claim, so the claim is visible to any other sender, and
after each message, so a crash loses at most the outcome of the one being sent
(the claim then goes stale and the message is tried again).
"""

from __future__ import annotations

import time

from flask import current_app

from fablab.outbox.services import claim_due, deliver, purge_sent
from fablab.timeutil import utcnow
from fablab.transaction import commit

BATCH = 20


def send_due(*, ignore_retry_times: bool = False, budget_seconds: float | None = None) -> dict:
    """Send what is due, batch by batch, until nothing is due or the time budget is spent."""
    if budget_seconds is None:
        budget_seconds = current_app.config["OUTBOX_SEND_BUDGET_SECONDS"]
    started = time.monotonic()
    outcome: dict[str, int] = {}
    tried: set[int] = set()  # one attempt per message and run, whatever its retry time
    while time.monotonic() - started < budget_seconds:
        batch = claim_due(
            now=utcnow(), limit=BATCH, ignore_retry_times=ignore_retry_times, exclude=tried
        )
        commit()
        if not batch:
            break
        tried.update(message.id for message in batch)
        for message in batch:
            status = deliver(message=message, now=utcnow())
            commit()
            outcome[status] = outcome.get(status, 0) + 1
    return outcome


def send_outbox_job() -> dict:
    """The scheduler's job: send what is due, then forget old sent mail."""
    outcome = send_due()
    purged = purge_sent(now=utcnow())
    commit()
    if purged:
        outcome["purged"] = purged
    return outcome
