"""The scheduler process: `flask --app wsgi scheduler`.

APScheduler 3 started inside web workers would run every job once per worker,
so the jobs run in this one process, guarded so that a second scheduler (on
this host or another) exits instead of running them again:

* SQLite: a file lock at ``SCHEDULER_LOCK_FILE`` (one host);
* PostgreSQL: ``pg_try_advisory_lock`` held on a dedicated connection (any host).

Exit codes: 0 after a normal stop or a ``--once`` run, 3 when another
scheduler holds the lock (nothing ran).

Other domains register their jobs by adding a line to ``JOBS``: an id, a
callable without arguments (it runs in its own app context, makes one service
call and commits) and an interval in seconds.
"""

from __future__ import annotations

import logging
import signal
import sys
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import NamedTuple

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from fablab.billing import jobs as billing_jobs
from fablab.bookings import jobs as booking_jobs
from fablab.calendars import jobs as calendar_jobs
from fablab.events import jobs as event_jobs
from fablab.extensions import db
from fablab.network import jobs as network_jobs
from fablab.transaction import rollback
from fablab.usage import jobs as usage_jobs

log = logging.getLogger("fablab.scheduler")

EXIT_LOCKED = 3
ADVISORY_LOCK_KEY = zlib.crc32(b"fablab-scheduler")


class Job(NamedTuple):
    id: str
    func: Callable[[], object]
    interval_seconds: int


JOBS: list[Job] = [
    Job("bookings.expire_holds", booking_jobs.expire_holds_job, 60),
    Job("bookings.release_no_shows", booking_jobs.release_no_shows_job, 60),
    Job("bookings.complete_attended", booking_jobs.complete_attended_job, 300),
    Job("bookings.waitlist_offers", booking_jobs.offer_waitlist_job, 60),
    Job("bookings.reminders", booking_jobs.send_reminders_job, 300),
    Job("events.reminders", event_jobs.send_reminders_job, 600),
    Job("calendars.refresh_imports", calendar_jobs.refresh_calendar_subscriptions, 3600),
    Job("usage.poll_octoprint", usage_jobs.poll_octoprint, 60),
    Job("usage.close_stale_sessions", usage_jobs.close_stale_sessions_job, 900),
    Job("billing.monthly_invoicing", billing_jobs.monthly_invoicing_job, 3600),
    Job("network.refresh_labs", network_jobs.refresh_network_job, 900),
]


class SchedulerLocked(Exception):
    """Another scheduler holds the lock."""


class FileGuard(AbstractContextManager):
    def __init__(self, path: str):
        from filelock import FileLock

        self.path = path
        self.lock = FileLock(path)

    def __enter__(self):
        from filelock import Timeout

        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            raise SchedulerLocked(f"the lock file {self.path} is held") from None
        return self

    def __exit__(self, *exc):
        self.lock.release()


class AdvisoryLockGuard(AbstractContextManager):
    """A session-level advisory lock on a connection kept for the process's life."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.connection: sa.Connection | None = None

    def __enter__(self):
        self.connection = self.engine.connect()
        got = self.connection.scalar(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_KEY)))
        self.connection.commit()  # session-level lock: it outlives the transaction
        if not got:
            self.connection.close()
            raise SchedulerLocked(f"PostgreSQL advisory lock {ADVISORY_LOCK_KEY} is held")
        return self

    def still_held(self) -> bool:
        try:
            held = self.connection.scalar(  # type: ignore[union-attr]
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND objid = :key AND granted"
                ),
                {"key": ADVISORY_LOCK_KEY},
            )
            self.connection.commit()  # type: ignore[union-attr]
            return bool(held)
        except sa.exc.DBAPIError:
            return False

    def __exit__(self, *exc):
        try:
            self.connection.execute(  # type: ignore[union-attr]
                sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY))
            )
            self.connection.commit()  # type: ignore[union-attr]
        except sa.exc.DBAPIError:
            pass  # the connection is gone, and the lock with it
        finally:
            self.connection.close()  # type: ignore[union-attr]


def guard_for(app: Flask) -> AbstractContextManager:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return AdvisoryLockGuard(engine)
    return FileGuard(app.config["SCHEDULER_LOCK_FILE"])


def run_job(app: Flask, job: Job) -> object:
    """Run one job in its own app context; a failure is logged, rolled back, not raised."""
    with app.app_context():
        try:
            result = job.func()
        except Exception:
            rollback()
            log.exception("job %s failed", job.id)
            return None
        finally:
            db.session.remove()
    log.info("job %s done: %s", job.id, result)
    return result


def run_once(app: Flask, jobs: list[Job] | None = None) -> dict[str, object]:
    return {job.id: run_job(app, job) for job in (jobs if jobs is not None else JOBS)}


def run_forever(app: Flask, guard: AbstractContextManager) -> None:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            args=(app, job),
            id=job.id,
            seconds=job.interval_seconds,
            next_run_time=_now(),
        )
    if isinstance(guard, AdvisoryLockGuard):
        scheduler.add_job(_watch_lock, "interval", args=(scheduler, guard), seconds=30)

    def stop(_signum, _frame):
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()


def _watch_lock(scheduler, guard: AdvisoryLockGuard) -> None:
    if not guard.still_held():
        log.error("the scheduler lost its PostgreSQL connection and lock; stopping")
        scheduler.shutdown(wait=False)


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once, then exit (for cron and tests).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the background jobs (hold expiry, no-shows, reminders, waitlist…).

    Exit code 3 when another scheduler already runs (nothing was done).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    guard = guard_for(app)
    try:
        guard.__enter__()
    except SchedulerLocked as locked:
        click.echo(f"Another scheduler is already running ({locked}); exiting.", err=True)
        sys.exit(EXIT_LOCKED)
    try:
        click.echo(f"Scheduler lock taken; {len(JOBS)} jobs.", err=True)
        if once:
            for job_id, result in run_once(app).items():
                click.echo(f"{job_id}: {result}")
        else:
            run_forever(app, guard)
    finally:
        guard.__exit__(None, None, None)
        click.echo("Scheduler stopped; lock released.", err=True)
