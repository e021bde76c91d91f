"""The scheduler process: `flask --app wsgi scheduler`.

APScheduler 3 started inside web workers would run every job once per worker,
so the jobs run in this one process, guarded so that a second scheduler (on
this host or another) exits instead of running them again:

* SQLite: a file lock at ``SCHEDULER_LOCK_FILE`` (one host);
* PostgreSQL: ``pg_try_advisory_lock`` held on a dedicated connection (any host).

Exit codes: 0 after a normal stop or a ``--once`` run, 3 when another
scheduler holds the lock (nothing ran). When PostgreSQL restarts, the lock's
connection dies: the jobs pause until the lock is taken again, a failed job run
is rolled back and logged, and the process goes on. Should the scheduler's
loop itself fail, ``Supervisor`` logs it and starts a new loop after a pause
that doubles on each crash in a row (1 s up to 60 s). Every job run writes the
heartbeat (``fablab.heartbeat``) that ``/readyz`` shows.

Other domains register their jobs by adding a line to ``JOBS``: an id, a
callable without arguments (it runs in its own app context, makes one service
call and commits) and an interval in seconds.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import NamedTuple

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from fablab import heartbeat
from fablab.billing import jobs as billing_jobs
from fablab.bookings import jobs as booking_jobs
from fablab.calendars import jobs as calendar_jobs
from fablab.events import jobs as event_jobs
from fablab.extensions import db
from fablab.network import jobs as network_jobs
from fablab.outbox import jobs as outbox_jobs
from fablab.payments import jobs as payment_jobs
from fablab.payments import offer_jobs
from fablab.transaction import rollback
from fablab.usage import jobs as usage_jobs

log = logging.getLogger("fablab.scheduler")

EXIT_LOCKED = 3
ADVISORY_LOCK_KEY = zlib.crc32(b"fablab-scheduler")


class Job(NamedTuple):
    id: str
    func: Callable[[], object]
    interval_seconds: int
    # Mail has its own worker thread: a long job (monthly invoicing) never holds it up.
    executor: str = "default"
    # A job that runs every few seconds logs only the runs that did something.
    log_idle: bool = True


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
    Job("billing.overdue_reminders", billing_jobs.overdue_reminders_job, 3600),
    Job("payments.stripe_reconcile", payment_jobs.reconcile_job, 900),
    Job("payments.close_expired_holds", payment_jobs.close_expired_holds_job, 60),
    Job("offer.expire_memberships", offer_jobs.expire_memberships_job, 3600),
    Job("offer.membership_reminders", offer_jobs.membership_reminders_job, 3600),
    Job("offer.expire_packs", offer_jobs.expire_packs_job, 3600),
    Job("mail.send_outbox", outbox_jobs.send_outbox_job, 5, executor="mail", log_idle=False),
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

    def reacquire(self) -> None:
        """After the database restarted: a new connection, the lock again.

        Raises SchedulerLocked when another scheduler took it meanwhile, and
        SQLAlchemyError while the database is still unreachable.
        """
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self.connection.invalidate()  # type: ignore[union-attr]
        self.__enter__()

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
        except sa.exc.SQLAlchemyError:  # a dead connection, or one left needing a rollback
            return False

    def __exit__(self, *exc):
        try:
            self.connection.execute(  # type: ignore[union-attr]
                sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY))
            )
            self.connection.commit()  # type: ignore[union-attr]
        except sa.exc.SQLAlchemyError:
            pass  # the connection is gone, and the lock with it
        finally:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self.connection.close()  # type: ignore[union-attr]


def guard_for(app: Flask) -> AbstractContextManager:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        return AdvisoryLockGuard(engine)
    return FileGuard(app.config["SCHEDULER_LOCK_FILE"])


def run_job(app: Flask, job: Job) -> object:
    """Run one job in its own app context; a failure is logged, rolled back, not raised.

    Each run beats the heartbeat (``fablab.heartbeat``) that ``/readyz`` shows.
    """
    with app.app_context():
        try:
            result = job.func()
        except Exception as error:
            with contextlib.suppress(sa.exc.SQLAlchemyError):  # the database may be down
                rollback()
            log.exception("job %s failed", job.id)
            _beat(job, ok=False, error=f"{type(error).__name__}: {error}")
            return None
        finally:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                db.session.remove()
        _beat(job, ok=True)
    if result or job.log_idle:
        log.info("job %s done: %s", job.id, result)
    return result


def _beat(job: Job, *, ok: bool, error: str = "") -> None:
    try:
        heartbeat.record_run(job.id, ok=ok, error=error)
    except sa.exc.SQLAlchemyError as failure:  # the database may be down: the job decides
        log.warning("heartbeat of %s not written (%s)", job.id, type(failure).__name__)


def run_once(app: Flask, jobs: list[Job] | None = None) -> dict[str, object]:
    return {job.id: run_job(app, job) for job in (jobs if jobs is not None else JOBS)}


def build_scheduler(app: Flask, guard: AbstractContextManager):
    """A blocking APScheduler with every job due now, then at its interval."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(1), "mail": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    for job in JOBS:
        scheduler.add_job(
            run_job,
            "interval",
            args=(app, job),
            id=job.id,
            seconds=_interval(app, job),
            executor=job.executor,
            next_run_time=_now(),
        )
    if isinstance(guard, AdvisoryLockGuard):
        every = app.config.get("SCHEDULER_LOCK_CHECK_SECONDS", 30)
        scheduler.add_job(_watch_lock, "interval", args=(scheduler, guard), seconds=every)
    return scheduler


class Supervisor:
    """Runs the scheduler's loop, and starts it again when it stops unexpectedly.

    A job's failure never stops the loop (``run_job`` catches it); this is for
    the loop itself failing. It comes back after a pause that doubles on each
    crash in a row (``first_backoff`` up to ``max_backoff`` seconds) and goes
    back to ``first_backoff`` once a loop has run ``STEADY_SECONDS``. A normal
    stop (``stop()``, a signal, another scheduler holding the lock) ends it.
    """

    STEADY_SECONDS = 600

    def __init__(self, app: Flask, guard, *, first_backoff: float = 1, max_backoff: float = 60):
        self.app, self.guard = app, guard
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.stopping = threading.Event()
        self.scheduler = None
        self.restarts = 0

    def stop(self) -> None:
        self.stopping.set()
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)

    def run(self) -> None:
        backoff = self.first_backoff
        while not self.stopping.is_set():
            self.scheduler = build_scheduler(self.app, self.guard)
            heartbeat.forget_writes()
            if self.stopping.is_set():  # stopped while this loop was being built
                return
            started = time.monotonic()
            try:
                self.scheduler.start()
                return  # shut down on purpose
            except Exception:
                log.exception(
                    "the scheduler loop stopped unexpectedly; restarting in %s s", backoff
                )
                with contextlib.suppress(Exception):
                    self.scheduler.shutdown(wait=False)
            if time.monotonic() - started > self.STEADY_SECONDS:
                backoff = self.first_backoff
            if self.stopping.wait(backoff):
                return
            self.restarts += 1
            log.warning("scheduler loop restarted (%d so far)", self.restarts)
            backoff = min(backoff * 2, self.max_backoff)


def run_forever(app: Flask, guard: AbstractContextManager) -> None:
    """Run the jobs until SIGTERM or SIGINT, restarting the loop if it crashes."""
    supervisor = Supervisor(
        app,
        guard,
        first_backoff=app.config.get("SCHEDULER_RESTART_SECONDS", 1),
        max_backoff=app.config.get("SCHEDULER_MAX_RESTART_SECONDS", 60),
    )

    def stop(_signum, _frame):
        supervisor.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    supervisor.run()


def _interval(app: Flask, job: Job) -> int:
    if job.id == "mail.send_outbox":
        return app.config.get("OUTBOX_INTERVAL_SECONDS", job.interval_seconds)
    return job.interval_seconds


def _watch_lock(scheduler, guard: AdvisoryLockGuard) -> None:
    """Without the lock no job runs (another host might run it too): pause the jobs, take
    the lock again once the database is back, then resume. Stop only when another
    scheduler holds it."""
    if guard.still_held():
        return
    log.error("the scheduler lost its PostgreSQL lock (database restarted?); jobs paused")
    for job in JOBS:
        scheduler.pause_job(job.id)
    try:
        guard.reacquire()
    except SchedulerLocked:
        log.error("another scheduler holds the lock now; stopping")
        scheduler.shutdown(wait=False)
        return
    except sa.exc.SQLAlchemyError as error:
        log.warning("database still unreachable (%s); retrying", type(error).__name__)
        return
    log.info("scheduler lock taken again; jobs resume")
    for job in JOBS:
        scheduler.resume_job(job.id)


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
