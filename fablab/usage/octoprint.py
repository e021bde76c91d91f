"""Record 3D prints from OctoPrint (1.11) as usage sessions.

Each poll reads ``/api/printer`` (409 = printer not connected) and ``/api/job``
and, once a job is no longer running, ``/api/files/local/<path>`` whose
``prints.last`` tells a finished print from a cancelled one (after a cancel
``/api/job`` shows all-null progress) and when it ended.

One print = one session. While a print runs, its session is open under a
temporary key; when OctoPrint reports it over, the session is closed under the
final key ``octoprint:<path>:<end timestamp of prints.last>``. The file's upload
date alone would merge two prints of one file. A print that began and ended
between two polls is recorded from ``prints.last`` (its end and print time).
The unique (machine, external_id) constraint makes polling twice harmless.

HTTP is kept apart (``fetch``) from the database work (``apply_snapshot``) so
that no write transaction waits on the network (see ``printers.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import sqlalchemy as sa

from fablab.extensions import db
from fablab.machines.models import ConsumableUnit
from fablab.usage.models import PrinterLink, UsageSession, UsageSource, UsageStatus
from fablab.usage.printers import NOT_THIS_KIND, LinkFailure, Target, get_json, record_outcome
from fablab.usage.printjobs import print_user
from fablab.usage.services import (
    N_,
    _close,
    open_session_for,
    start_session,
)

# OctoPrint states in which a job is under way.
RUNNING_STATES = {
    "Starting",
    "Printing",
    "Pausing",
    "Paused",
    "Resuming",
    "Finishing",
    "Cancelling",
}
# A running print whose start moved later than this is a new print of the same file.
RESTART_TOLERANCE = timedelta(minutes=5)
PI = Decimal("3.14159265358979323846")


@dataclass
class Snapshot:
    """What one poll saw."""

    connected: bool = True
    job: dict = field(default_factory=dict)
    file_info: dict | None = None
    error: str = ""  # a message id (printers.UNREACHABLE…), translated when shown
    detail: str = ""  # the technical reason

    @property
    def state(self) -> str:
        return str(self.job.get("state") or "")

    @property
    def file(self) -> dict:
        return (self.job.get("job") or {}).get("file") or {}

    @property
    def path(self) -> str:
        return str(self.file.get("path") or self.file.get("name") or "")

    @property
    def running(self) -> bool:
        return self.state.split(" ")[0] in RUNNING_STATES

    @property
    def last_print(self) -> dict:
        return ((self.file_info or {}).get("prints") or {}).get("last") or {}


def fetch(target: Target) -> Snapshot:
    """Ask OctoPrint for the printer, the job and (when not running) the job's file."""
    try:
        status, _printer = get_json(target, "/api/printer", accept_statuses=(200, 409))
        _status, job = get_json(target, "/api/job")
        if not isinstance(job.get("job"), dict) or "state" not in job:
            raise LinkFailure(NOT_THIS_KIND, "/api/job has no job and state")
        snapshot = Snapshot(connected=status != 409, job=job)
        if snapshot.path and not snapshot.running:
            path = "/api/files/local/" + quote(snapshot.path)
            status, info = get_json(target, path, accept_statuses=(200, 404))
            snapshot.file_info = info if status == 200 else None
        return snapshot
    except LinkFailure as failure:
        return Snapshot(connected=False, error=failure.message, detail=failure.detail)


def check(target: Target) -> None:
    """The key must read the job (an OctoPrint answers /api/job 403 to a wrong key)."""
    _status, job = get_json(target, "/api/job")
    if not isinstance(job.get("job"), dict) or "state" not in job:
        raise LinkFailure(NOT_THIS_KIND, "/api/job has no job and state")


def filament_milligrams(job: dict, *, diameter_milli_mm: int, density_milli: int) -> int:
    """Filament of the whole file in milligrams, from length × cross-section × density.

    ``volume`` is ignored: OctoPrint gives 0 unless the G-code states the
    diameter. mm³ × g/cm³ / 1000 = g; × 1000 = mg.
    """
    tools = ((job.get("job") or {}).get("filament")) or {}
    length = Decimal(0)
    for tool in tools.values():
        value = (tool or {}).get("length") if isinstance(tool, dict) else None
        if isinstance(value, (int, float)) and value > 0:
            length += Decimal(str(value))
    radius = Decimal(diameter_milli_mm) / 2000
    volume_mm3 = length * PI * radius * radius
    milligrams = volume_mm3 * Decimal(density_milli) / 1000
    return int(milligrams.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def apply_snapshot(*, link: PrinterLink, snapshot: Snapshot, now: datetime) -> list[UsageSession]:
    """Record what the snapshot shows; returns the sessions opened or closed."""
    record_outcome(link, snapshot, now)
    if snapshot.error:
        link.last_state = ""  # unknown: the error says why
    else:
        link.last_state = snapshot.state if snapshot.connected else "disconnected"
    if snapshot.error and not snapshot.job:
        return []
    current = open_session_for(link.machine)
    if current is not None and current.source != UsageSource.OCTOPRINT:
        return []  # someone runs the printer from the kiosk: it owns the time
    if snapshot.running and snapshot.connected:
        return _on_running(link, snapshot, current, now)
    return _on_idle(link, snapshot, current, now)


def _by_key(link: PrinterLink, key: str) -> UsageSession | None:
    return db.session.scalar(
        sa.select(UsageSession).where(
            UsageSession.machine_id == link.machine_id, UsageSession.external_id == key
        )
    )


def _running_key(snapshot: Snapshot) -> str:
    return f"octoprint:{snapshot.path}:{snapshot.file.get('date')}:running"[:255]


def _on_running(link, snapshot: Snapshot, current, now) -> list[UsageSession]:
    key = _running_key(snapshot)
    link.last_job_key = key
    print_time = _number((snapshot.job.get("progress") or {}).get("printTime"))
    started = now - timedelta(seconds=print_time or 0)
    if current is None and _by_key(link, key) is not None:
        return []  # a manager closed this print's session by hand
    same_print = current is not None and current.external_id == key
    if same_print and started < current.started_at + RESTART_TOLERANCE:
        link.last_progress_ppm = max(link.last_progress_ppm, _progress_ppm(snapshot))
        return []  # still the same print
    link.last_progress_ppm = _progress_ppm(snapshot)
    changed = []
    if current is not None:  # an earlier print (maybe of the same file) ended unseen
        end = max(started, current.started_at + timedelta(seconds=1))
        changed.append(_close_print(link, current, end, success=None, snapshot=None))
        current.external_id = f"{key}:unseen-end:{int(end.timestamp())}"[:255]
        db.session.flush()
    changed.append(_open_print(link, snapshot, started, key))
    return [s for s in changed if s is not None]


def _open_print(link, snapshot: Snapshot, started: datetime, key: str) -> UsageSession | None:
    user, flag = print_user(link, started)
    if user is None:
        link.last_error = "no booking and no default account to record the print for"
        return None
    session = start_session(
        machine=link.machine,
        user=user,
        source=UsageSource.OCTOPRINT.value,
        at=started,
        external_id=key,
        file_name=str(snapshot.file.get("name") or snapshot.path),
    )
    session.flagged_reason = flag
    return session


def _on_idle(link, snapshot: Snapshot, current, now) -> list[UsageSession]:
    last = snapshot.last_print
    end = _number(last.get("date"))
    if not snapshot.path or end is None:
        if current is not None:  # the job vanished or the printer went away mid-print
            reason = N_("OctoPrint lost the print (printer disconnected?): check it.")
            return [_close_print(link, current, now, success=None, snapshot=None, flag=reason)]
        return []
    ended_at = datetime.fromtimestamp(end, UTC)
    key = f"octoprint:{snapshot.path}:{int(end)}"[:255]
    link.last_job_key = key
    if _by_key(link, key) is not None:
        return []  # already recorded
    closed_by_hand = _by_key(link, _running_key(snapshot))
    if closed_by_hand is not None and not closed_by_hand.is_open:
        closed_by_hand.external_id = key  # a manager closed it: keep their times
        return []
    success = bool(last.get("success"))
    if current is not None and ended_at < current.started_at:
        reason = N_("OctoPrint lost the print (printer disconnected?): check it.")
        return [_close_print(link, current, now, success=None, snapshot=None, flag=reason)]
    if current is not None and current.external_id == _running_key(snapshot):
        closed = _close_print(link, current, ended_at, success=success, snapshot=snapshot)
        current.external_id = key
        return [closed]
    if current is not None:  # a different print was open: it ended unseen
        _close_print(link, current, now, success=None, snapshot=None)
    if ended_at <= link.created_at:
        return []  # printed before the printer was linked
    return [_record_missed(link, snapshot, key, ended_at, success)]


def _record_missed(link, snapshot: Snapshot, key: str, ended_at, success) -> UsageSession | None:
    """A print that began and ended between two polls."""
    seconds = _number(snapshot.last_print.get("printTime"))
    if seconds is None:
        seconds = _number((snapshot.job.get("progress") or {}).get("printTime"))
    started = ended_at - timedelta(seconds=max(seconds or 60, 1))
    session = _open_print(link, snapshot, started, key)
    if session is None:
        return None
    return _close_print(link, session, ended_at, success=success, snapshot=snapshot)


def _close_print(link, session, end, *, success, snapshot, flag: str = "") -> UsageSession:
    end = max(end, session.started_at + timedelta(seconds=1))
    quantity = 0
    notes = []
    if snapshot is not None and link.machine.consumable_unit == ConsumableUnit.GRAM:
        quantity = _print_milligrams(link, snapshot, success, session)
    link.last_progress_ppm = 0
    if success is False:
        notes.append(N_("Cancelled print."))
        if quantity == 0:
            flag = flag or N_("Cancelled print: enter the filament used.")
    if success is None and not flag:
        flag = N_("The end of this print was not seen: check times and filament.")
    if flag:
        session.flagged_reason = flag
    session.note = " ".join([session.note, *notes]).strip()
    _close(session, at=end, quantity_milli=quantity)
    db.session.flush()
    return session


def _progress_ppm(snapshot: Snapshot) -> int:
    """The share of the file printed, in millionths: ``completion`` (OctoPrint computes
    it as ``filepos`` over the file size), else ``filepos`` over ``size`` itself."""
    progress = snapshot.job.get("progress") or {}
    completion = _number(progress.get("completion"))
    if completion is None:
        filepos, size = _number(progress.get("filepos")), _number(snapshot.file.get("size"))
        completion = 100 * filepos / size if filepos is not None and size else None
    return int(min(max(completion or 0, 0), 100) * 10_000)


def _print_milligrams(link, snapshot: Snapshot, success: bool, session) -> int:
    """Filament used: the whole file, or for a cancel the share the poller saw printed.

    OctoPrint keeps no print time for a failed print (``prints.last`` is only ``date``
    and ``success``) and nulls ``progress`` after a cancel: the share is the last
    progress seen while printing, else the session's own duration over the estimate.
    """
    whole = filament_milligrams(
        snapshot.job, diameter_milli_mm=link.diameter_milli_mm, density_milli=link.density_milli
    )
    if success:
        return whole
    return share_of(whole, seen_share(link, snapshot, session))


def seen_share(link, snapshot: Snapshot, session) -> Decimal:
    if session.external_id != _running_key(snapshot):
        return Decimal(0)  # never seen printing: nothing is known
    if link.last_progress_ppm > 0:
        return Decimal(link.last_progress_ppm) / 1_000_000
    estimate = _number((snapshot.job.get("job") or {}).get("estimatedPrintTime"))
    seconds = _number(snapshot.last_print.get("date"))
    if not estimate or seconds is None:
        return Decimal(0)
    elapsed = seconds - session.started_at.timestamp()
    return min(max(Decimal(str(elapsed)) / Decimal(str(estimate)), Decimal(0)), Decimal(1))


def share_of(whole_milligrams: int, share: Decimal) -> int:
    return int((whole_milligrams * share).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def is_open_print(session: UsageSession) -> bool:
    return session.source == UsageSource.OCTOPRINT and session.status == UsageStatus.OPEN
