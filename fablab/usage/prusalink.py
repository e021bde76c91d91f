"""Record 3D prints from Prusa printers (MK4, XL, MINI) through PrusaLink's API v1.

Each poll reads ``/api/v1/status`` (``printer.state``: IDLE, BUSY, PRINTING,
PAUSED, FINISHED, STOPPED, ERROR, ATTENTION, READY) and ``/api/v1/job`` (204
when there is no job; else ``id``, ``state`` PRINTING / PAUSED / FINISHED /
STOPPED / ERROR, ``progress`` in percent, ``time_printing`` in seconds and the
``file`` with the slicer's ``meta`` such as ``filament used [g]``). A finished or
stopped job stays there until the next one starts or the printer is cleared.
Authentication: HTTP digest (user ``maker`` and the password shown on the
printer) or, on older firmware, an ``X-Api-Key``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fablab.usage.models import PrinterLink, UsageSession
from fablab.usage.printers import NOT_THIS_KIND, LinkFailure, Target, get_json, record_outcome
from fablab.usage.printjobs import (
    CANCELLED,
    COMPLETED,
    FAILED,
    RUNNING,
    JobView,
    apply_jobs,
    mm_to_milligrams,
)

JOB_STATES = {
    "PRINTING": RUNNING,
    "PAUSED": RUNNING,
    "FINISHED": COMPLETED,
    "STOPPED": CANCELLED,
    "ERROR": FAILED,
}


@dataclass
class Snapshot:
    state: str = ""
    job: dict = field(default_factory=dict)  # {} when the printer has no job
    error: str = ""
    detail: str = ""


def fetch(target: Target) -> Snapshot:
    try:
        _status, status = get_json(target, "/api/v1/status")
        printer = status.get("printer")
        if not isinstance(printer, dict):
            raise LinkFailure(NOT_THIS_KIND, "/api/v1/status has no printer")
        _status, job = get_json(target, "/api/v1/job", accept_statuses=(200, 204))
        return Snapshot(state=str(printer.get("state") or ""), job=job)
    except LinkFailure as failure:
        return Snapshot(error=failure.message, detail=failure.detail)


def check(target: Target) -> None:
    """The key (or user and password) must read the printer's status and job."""
    fetched = fetch(target)
    if fetched.error:
        raise LinkFailure(fetched.error, fetched.detail)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def job_view(job: dict, link: PrinterLink, now: datetime) -> JobView | None:
    state = JOB_STATES.get(str(job.get("state") or ""))
    if state is None or job.get("id") is None:
        return None
    printing = _number(job.get("time_printing")) or 0
    file = job.get("file") or {}
    meta = file.get("meta") or {}
    file_mg = None
    if _number(meta.get("filament used [g]")) is not None:
        file_mg = int(meta["filament used [g]"] * 1000)
    elif _number(meta.get("filament used [mm]")) is not None:
        file_mg = mm_to_milligrams(meta["filament used [mm]"], link)
    progress = _number(job.get("progress")) or 0
    return JobView(
        key=f"prusalink:{job['id']}",
        file_name=str(file.get("display_name") or file.get("name") or ""),
        state=state,
        started_at=now - timedelta(seconds=printing),
        ended_at=None,  # PrusaLink gives no end time: when the poller saw it over
        progress_ppm=int(min(max(progress, 0), 100) * 10_000),
        file_mg=file_mg,
    )


def apply_snapshot(*, link: PrinterLink, snapshot: Snapshot, now: datetime) -> list[UsageSession]:
    """Record what the snapshot shows; returns the sessions opened or closed."""
    record_outcome(link, snapshot, now)
    link.last_state = "" if snapshot.error else snapshot.state
    if snapshot.error:
        return []  # the printer is away: an open print stays open until it answers
    view = job_view(snapshot.job, link, now) if snapshot.job else None
    return apply_jobs(link=link, jobs=[view] if view else [], now=now, complete=True)
