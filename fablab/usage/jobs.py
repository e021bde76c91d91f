"""Scheduled jobs of the usage domain (listed in ``fablab/scheduler.py``).

Thin and safe to rerun; each commits its own work.
"""

from __future__ import annotations

import logging

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback
from fablab.usage.models import OctoPrintLink
from fablab.usage.octoprint import apply_snapshot, fetch_snapshot, links_to_poll
from fablab.usage.services import close_stale_sessions

log = logging.getLogger(__name__)


def poll_octoprint() -> int:
    """Poll every linked OctoPrint once; returns how many sessions changed.

    The network is asked outside any transaction (on SQLite a transaction holds
    the write lock); each printer's result is then committed on its own, so one
    unreachable or odd printer never holds back the others.
    """
    links = links_to_poll()
    rollback()
    changed = 0
    for link_id, url, api_key in links:
        snapshot = fetch_snapshot(url, api_key)
        link = db.session.get(OctoPrintLink, link_id)
        if link is None:
            continue
        try:
            changed += len(apply_snapshot(link=link, snapshot=snapshot, now=utcnow()))
            commit()
        except DomainError as error:
            rollback()
            log.warning("OctoPrint of machine %s: %s", link_id, error.message)
            _remember_error(link_id, error.message)
    return changed


def _remember_error(link_id: int, message: str) -> None:
    link = db.session.get(OctoPrintLink, link_id)
    if link is not None:
        link.last_error = message
        commit()


def close_stale_sessions_job() -> int:
    """Close sessions left open past the limit and flag them for review."""
    closed = close_stale_sessions()
    commit()
    if closed:
        log.info("closed %d usage sessions left open", len(closed))
    return len(closed)
