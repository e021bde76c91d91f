"""Scheduled jobs of the usage domain (listed in ``fablab/scheduler.py``).

Thin and safe to rerun; each commits its own work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback
from fablab.usage.alerts import alert_if_newly_silent
from fablab.usage.models import PrinterLink
from fablab.usage.printer_kinds import module_for
from fablab.usage.printers import KIND_LABELS, targets_to_poll
from fablab.usage.services import close_stale_sessions

log = logging.getLogger(__name__)


@dataclass
class LinkFailed:
    machine_id: int
    machine_name: str
    kind: str
    url: str
    message: str  # a message id: translate it to show it
    detail: str

    def describe(self) -> str:
        """One English line for the CLI and the log."""
        label = KIND_LABELS.get(self.kind, self.kind)
        text = f"machine {self.machine_id} “{self.machine_name}”, {label} at {self.url}: "
        return text + self.message + (f" ({self.detail})" if self.detail else "")


@dataclass
class PollReport:
    changed: int = 0
    failures: list[LinkFailed] = field(default_factory=list)

    def __str__(self) -> str:  # what the scheduler log says after "done:"
        return f"{self.changed} session(s) changed, {len(self.failures)} printer(s) failing"


def poll_printers(now: datetime | None = None) -> PollReport:
    """Poll every enabled link once (OctoPrint, Moonraker, PrusaLink, Shelly relays).

    The network is asked outside any transaction (on SQLite a transaction holds
    the write lock); each printer's result is then committed on its own, so one
    unreachable or odd printer never holds back the others. Each failing link is
    logged as an error and listed in the report; the managers get one e-mail when a
    link has been failing for ``USAGE_LINK_SILENT_MINUTES``.
    """
    targets = targets_to_poll()
    rollback()
    report = PollReport()
    for target in targets:
        kind = module_for(target.kind)
        snapshot = kind.fetch(target)
        link = db.session.get(PrinterLink, target.id)
        if link is None:
            continue
        try:
            at = now or utcnow()
            previous_poll = link.last_polled_at
            report.changed += len(kind.apply_snapshot(link=link, snapshot=snapshot, now=at))
            alert_if_newly_silent(link, previous_poll=previous_poll, now=at)
            commit()
        except DomainError as error:
            rollback()
            _remember_error(target.id, str(error.message))
        failure = _failure_of(target.id)
        if failure is not None:
            report.failures.append(failure)
            log.error("printer link failed: %s", failure.describe())
    return report


poll_octoprint = poll_printers  # the job's first name (scheduler id "usage.poll_octoprint")


def _failure_of(link_id: int) -> LinkFailed | None:
    link = db.session.get(PrinterLink, link_id)
    if link is None or not link.last_error:
        return None
    return LinkFailed(
        machine_id=link.machine_id,
        machine_name=link.machine.name,
        kind=link.kind,
        url=link.url,
        message=link.last_error,
        detail=link.last_error_detail,
    )


def _remember_error(link_id: int, message: str) -> None:
    link = db.session.get(PrinterLink, link_id)
    if link is not None:
        link.last_error = message
        link.last_error_detail = ""
        commit()


def close_stale_sessions_job() -> int:
    """Close sessions left open past the limit and flag them for review."""
    closed = close_stale_sessions()
    commit()
    if closed:
        log.info("closed %d usage sessions left open", len(closed))
    return len(closed)
