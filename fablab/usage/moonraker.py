"""Record 3D prints from Klipper printers through Moonraker's HTTP API.

Each poll reads ``/printer/objects/query?print_stats&virtual_sdcard`` (the live
state: standby, printing, paused, complete, cancelled, error; the share of the
file read) and ``/server/history/list`` (Moonraker's job history, on by default:
one entry per print with ``job_id``, ``status`` in_progress / completed /
cancelled / error / klippy_shutdown / klippy_disconnect / interrupted,
``start_time``, ``end_time`` and ``filament_used``, the millimetres actually
extruded, so a cancelled print is charged for what it used). Answers are wrapped
in ``{"result": …}``; the key goes in ``X-Api-Key`` (401 when refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

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

STATUS_QUERY = "/printer/objects/query?print_stats&virtual_sdcard"
HISTORY = "/server/history/list?limit=50&order=desc"
OUTCOMES = {
    "in_progress": RUNNING,
    "completed": COMPLETED,
    "cancelled": CANCELLED,
}  # error, klippy_shutdown, klippy_disconnect, interrupted: FAILED


@dataclass
class Snapshot:
    state: str = ""
    progress: float | None = None  # virtual_sdcard.progress, 0..1
    history: list[dict] = field(default_factory=list)  # oldest first
    error: str = ""
    detail: str = ""


def _result(body: dict, path: str) -> dict:
    result = body.get("result")
    if not isinstance(result, dict):
        raise LinkFailure(NOT_THIS_KIND, f"{path} has no result")
    return result


def fetch(target: Target) -> Snapshot:
    try:
        status, body = get_json(target, STATUS_QUERY, accept_statuses=(200, 503))
        snapshot = Snapshot(state="disconnected")  # 503: Klippy is not connected
        if status == 200:
            objects = _result(body, STATUS_QUERY).get("status") or {}
            stats = objects.get("print_stats") or {}
            snapshot.state = str(stats.get("state") or "")
            progress = (objects.get("virtual_sdcard") or {}).get("progress")
            snapshot.progress = progress if isinstance(progress, (int, float)) else None
        jobs = _result(get_json(target, HISTORY)[1], HISTORY).get("jobs")
        if not isinstance(jobs, list):
            raise LinkFailure(NOT_THIS_KIND, "/server/history/list has no jobs")
        snapshot.history = [job for job in reversed(jobs) if isinstance(job, dict)]
        return snapshot
    except LinkFailure as failure:
        return Snapshot(error=failure.message, detail=failure.detail)


def check(target: Target) -> None:
    """The key must read the printer's state and the job history."""
    fetched = fetch(target)
    if fetched.error:
        raise LinkFailure(fetched.error, fetched.detail)


def _time(value) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, (int, float)) else None


def job_view(entry: dict, snapshot: Snapshot, link: PrinterLink) -> JobView | None:
    started = _time(entry.get("start_time"))
    if started is None or entry.get("job_id") is None:
        return None
    state = OUTCOMES.get(str(entry.get("status")), FAILED)
    ended = _time(entry.get("end_time"))
    if ended is None and state != RUNNING:
        ended = datetime.fromtimestamp(
            entry["start_time"] + float(entry.get("total_duration") or 1), UTC
        )
    metadata = entry.get("metadata") or {}
    file_mg = None
    if isinstance(metadata.get("filament_weight_total"), (int, float)):
        file_mg = int(metadata["filament_weight_total"] * 1000)
    elif isinstance(metadata.get("filament_total"), (int, float)):
        file_mg = mm_to_milligrams(metadata["filament_total"], link)
    used = entry.get("filament_used")
    progress = snapshot.progress if state == RUNNING and snapshot.progress is not None else 0
    return JobView(
        key=f"moonraker:{entry['job_id']}",
        file_name=str(entry.get("filename") or ""),
        state=state,
        started_at=started,
        ended_at=ended,
        progress_ppm=int(min(max(progress, 0), 1) * 1_000_000),
        used_mm=float(used) if isinstance(used, (int, float)) else None,
        file_mg=file_mg,
    )


def apply_snapshot(*, link: PrinterLink, snapshot: Snapshot, now: datetime) -> list[UsageSession]:
    """Record what the snapshot shows; returns the sessions opened or closed."""
    record_outcome(link, snapshot, now)
    link.last_state = "" if snapshot.error else snapshot.state
    if snapshot.error:
        return []  # the server is away: open prints stay open until it answers
    jobs = [view for entry in snapshot.history if (view := job_view(entry, snapshot, link))]
    return apply_jobs(link=link, jobs=jobs, now=now, complete=True)
