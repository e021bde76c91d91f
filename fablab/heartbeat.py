"""The jobs process's heartbeat: when each job last ran, and whether it succeeded.

The scheduler writes it after its job runs (in a short transaction of its own,
at most once a minute per job unless the outcome changed); ``/readyz`` and the
outbox page read it, so a scheduler that stopped is seen from any web host.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fablab.db_types import UTCDateTime
from fablab.extensions import db
from fablab.timeutil import utcnow

WRITE_EVERY = timedelta(minutes=1)


class JobRun(db.Model):
    __tablename__ = "job_runs"

    job_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_success_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="", server_default="")


_written: dict[str, tuple[datetime, bool]] = {}
_written_lock = threading.Lock()


def record_run(job_id: str, *, ok: bool, error: str = "", now: datetime | None = None) -> bool:
    """Note that ``job_id`` ran; returns whether a row was written (throttled)."""
    now = now or utcnow()
    with _written_lock:
        last = _written.get(job_id)
        if last is not None and last[1] == ok and now - last[0] < WRITE_EVERY:
            return False
        _written[job_id] = (now, ok)
    values = {"last_run_at": now, "last_error": error[:2000]}
    if ok:
        values["last_success_at"] = now
    table = JobRun.__table__
    with db.engine.begin() as connection:
        updated = connection.execute(
            sa.update(table).where(table.c.job_id == job_id).values(**values)
        ).rowcount
        if not updated:
            connection.execute(sa.insert(table).values(job_id=job_id, **values))
    return True


def forget_writes() -> None:
    """Write the next run of every job (a new scheduler loop, or a test)."""
    with _written_lock:
        _written.clear()


def last_run() -> dict:
    """``{"last_run_at", "seconds_ago", "failing"}`` of the jobs process (None when never ran)."""
    row = db.session.execute(
        sa.select(sa.func.max(JobRun.last_run_at), sa.func.count(JobRun.job_id)).where(
            JobRun.last_run_at.is_not(None)
        )
    ).one()
    failing = db.session.scalars(
        sa.select(JobRun.job_id).where(JobRun.last_error != "").order_by(JobRun.job_id)
    ).all()
    latest = row[0]
    if latest is not None and latest.tzinfo is None:  # SQLite aggregates come back naive
        from datetime import UTC

        latest = latest.replace(tzinfo=UTC)
    return {
        "last_run_at": latest.isoformat() if latest else None,
        "seconds_ago": int((utcnow() - latest).total_seconds()) if latest else None,
        "failing": list(failing),
    }
