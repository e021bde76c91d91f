"""Sessions from printer servers that number their jobs (Moonraker, PrusaLink).

A server's module turns what it answered into :class:`JobView` rows, oldest
first; :func:`apply_jobs` records them with the same rules as OctoPrint:

* one print = one session, under the key ``<kind>:<server's job id>`` (the
  unique (machine, external_id) constraint makes polling twice harmless);
* a print under way opens a session for the booker of the booking running at
  its start, else for the lab's account, flagged for review;
* a finished print closes its session at its end with the filament it used: the
  server's own measure when it has one (Moonraker), else the file's figure
  (completed) or the share of it seen printed (cancelled, stopped by an error);
* a print never seen running but over since the link was made is recorded whole;
* an open print the server no longer knows is closed and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from fablab.accounts.models import Role, User
from fablab.bookings.models import Reservation
from fablab.extensions import db
from fablab.machines.models import ConsumableUnit
from fablab.usage.models import PrinterLink, UsageSession
from fablab.usage.services import EARLY_START, LINKABLE_STATUSES, N_, _close, start_session

RUNNING = "running"
COMPLETED = "completed"
CANCELLED = "cancelled"
FAILED = "error"
PI = Decimal("3.14159265358979323846")

NO_BOOKING = N_("Print without a booking: recorded for the lab's account, check who printed.")
LOST = N_("The printer's server lost the print: check times and filament.")
UNSEEN_END = N_("The end of this print was not seen: check times and filament.")
NO_FILAMENT = N_("Cancelled print: enter the filament used.")
NO_ACCOUNT = N_("No booking and no default account to record the print for.")


@dataclass
class JobView:
    key: str  # "<kind>:<job id>"
    file_name: str
    state: str  # RUNNING, COMPLETED, CANCELLED or FAILED
    started_at: datetime
    ended_at: datetime | None = None
    progress_ppm: int = 0  # share of the file printed, in millionths
    used_mm: float | None = None  # filament the server measured (Moonraker)
    file_mg: int | None = None  # filament of the whole file, in milligrams


def mm_to_milligrams(length_mm: float, link: PrinterLink) -> int:
    """Length × cross-section × density: mm³ × g/cm³ / 1000 = g; × 1000 = mg."""
    radius = Decimal(link.diameter_milli_mm) / 2000
    volume_mm3 = Decimal(str(max(length_mm, 0))) * PI * radius * radius
    milligrams = volume_mm3 * Decimal(link.density_milli) / 1000
    return int(milligrams.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def print_user(link: PrinterLink, at: datetime) -> tuple[User | None, str]:
    """The booker of the booking running at ``at``, else the lab's account (flagged)."""
    booking = db.session.scalar(
        sa.select(Reservation).where(
            Reservation.machine_id == link.machine_id,
            Reservation.status.in_(LINKABLE_STATUSES),
            Reservation.start_at <= at + EARLY_START,
            Reservation.end_at > at,
        )
    )
    if booking is not None:
        return booking.user, ""
    return default_user(link), NO_BOOKING


def default_user(link: PrinterLink) -> User | None:
    if link.default_user is not None:
        return link.default_user
    email = current_app.config.get("USAGE_OCTOPRINT_DEFAULT_EMAIL")
    if email:
        user = db.session.scalar(sa.select(User).where(User.email == email.lower()))
        if user is not None:
            return user
    for role in (Role.ADMIN, Role.MANAGER):
        user = db.session.scalar(
            sa.select(User).where(User.role == role, User.active).order_by(User.id).limit(1)
        )
        if user is not None:
            return user
    return None


def _by_key(link: PrinterLink, key: str) -> UsageSession | None:
    return db.session.scalar(
        sa.select(UsageSession).where(
            UsageSession.machine_id == link.machine_id, UsageSession.external_id == key[:255]
        )
    )


def _open_of(link: PrinterLink) -> UsageSession | None:
    return db.session.scalar(
        sa.select(UsageSession).where(
            UsageSession.machine_id == link.machine_id, UsageSession.status == "open"
        )
    )


def apply_jobs(
    *, link: PrinterLink, jobs: list[JobView], now: datetime, complete: bool
) -> list[UsageSession]:
    """Record ``jobs`` (oldest first). ``complete``: the list holds every job the server
    still knows since the link was made, so an open print missing from it was lost."""
    current = _open_of(link)
    if current is not None and current.source != link.kind:
        return []  # someone runs the printer from the kiosk: it owns the time
    changed: list[UsageSession] = []
    for job in jobs:
        changed.extend(_apply_one(link, job, now))
    current = _open_of(link)
    keys = {job.key[:255] for job in jobs}
    if complete and current is not None and current.external_id not in keys:
        changed.append(_finish(link, current, None, max(now, current.started_at), flag=LOST))
    return changed


def _apply_one(link: PrinterLink, job: JobView, now: datetime) -> list[UsageSession]:
    session = _by_key(link, job.key)
    if job.state == RUNNING:
        link.last_job_key = job.key[:255]
        if session is not None:
            if session.is_open:
                link.last_progress_ppm = max(link.last_progress_ppm, job.progress_ppm)
            return []  # still running, or closed by a manager
        changed = []
        current = _open_of(link)
        if current is not None:  # an earlier print ended unseen
            end = max(job.started_at, current.started_at + timedelta(seconds=1))
            changed.append(_finish(link, current, None, end, flag=UNSEEN_END))
        link.last_progress_ppm = job.progress_ppm
        opened = _open(link, job)
        return changed + ([opened] if opened is not None else [])
    if session is not None and not session.is_open:
        return []  # already recorded
    end = job.ended_at or now
    if session is None:
        if end <= link.created_at:
            return []  # printed before the printer was linked
        session = _open(link, job)
        if session is None:
            return []
        link.last_progress_ppm = 0  # never seen printing: only the server's figures count
    return [_finish(link, session, job, end)]


def _open(link: PrinterLink, job: JobView) -> UsageSession | None:
    user, flag = print_user(link, job.started_at)
    if user is None:
        link.last_error = NO_ACCOUNT
        return None
    session = start_session(
        machine=link.machine,
        user=user,
        source=link.kind,
        at=job.started_at,
        external_id=job.key[:255],
        file_name=job.file_name[:255],
    )
    session.flagged_reason = flag
    return session


def _finish(link, session, job: JobView | None, end, *, flag: str = "") -> UsageSession:
    end = max(end, session.started_at + timedelta(seconds=1))
    quantity = 0
    if job is not None and link.machine.consumable_unit == ConsumableUnit.GRAM:
        quantity = _milligrams(link, job)
    if job is not None and job.state in (CANCELLED, FAILED):
        note = N_("Cancelled print.")
        if job.state == FAILED:
            note = N_("Print stopped by an error.")
        session.note = " ".join([session.note, note]).strip()
        if quantity == 0:
            flag = flag or NO_FILAMENT
    if flag:
        session.flagged_reason = flag
    link.last_progress_ppm = 0
    _close(session, at=end, quantity_milli=quantity)
    db.session.flush()
    return session


def _milligrams(link: PrinterLink, job: JobView) -> int:
    if job.used_mm is not None and job.used_mm > 0:
        return mm_to_milligrams(job.used_mm, link)
    if not job.file_mg:
        return 0
    if job.state == COMPLETED:
        return job.file_mg
    share = Decimal(max(job.progress_ppm, link.last_progress_ppm)) / 1_000_000
    grams = job.file_mg * min(share, Decimal(1))
    return int(grams.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
