"""One scheduler at a time: a second one exits (code 3) and every job runs once.

The scheduler runs as its own process (`flask --app wsgi scheduler`) against
the test database, SQLite (file lock) or PostgreSQL (advisory lock).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.scheduler import ADVISORY_LOCK_KEY, EXIT_LOCKED
from fablab.timeutil import utcnow

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def missed_booking(db, make_machine, member, lab_settings):
    """A confirmed booking that started an hour ago; nobody checked in."""
    now = utcnow()
    reservation = Reservation(
        machine=make_machine(),
        user=member,
        start_at=now - timedelta(hours=1),
        end_at=now + timedelta(hours=1),
        blocked_until=now + timedelta(hours=1),
        status="confirmed",
    )
    db.session.add(reservation)
    db.session.commit()
    reservation_id = reservation.id
    db.session.close()  # no open transaction (on SQLite it would hold the write lock)
    return reservation_id


def scheduler_env(app) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SCHEDULER_LOCK_FILE=app.config["SCHEDULER_LOCK_FILE"],
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
        PYTHONUNBUFFERED="1",
        # The jobs process refuses the public development key, like the web app.
        SECRET_KEY="scheduler-test-key-" + "x" * 40,
        # A closed SMTP port makes sending fail the way a down mail server does
        # (logged, the job's work kept).
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT="9",
    )
    return env


def scheduler_args(*extra: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", *extra]


def run_once(app) -> subprocess.CompletedProcess:
    return subprocess.run(
        scheduler_args("--once"),
        cwd=ROOT,
        env=scheduler_env(app),
        capture_output=True,
        text=True,
        timeout=60,
    )


def status_of(db, reservation_id: int) -> str:
    db.session.expire_all()
    status = db.session.get(Reservation, reservation_id).status
    db.session.close()
    return status


@contextmanager
def lock_held_elsewhere(app, db):
    """Hold the scheduler's lock from the test, as another scheduler would."""
    if db.engine.dialect.name == "postgresql":
        connection = db.engine.connect()
        assert connection.scalar(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_KEY)))
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
            connection.commit()
            connection.close()
    else:
        from filelock import FileLock

        with FileLock(app.config["SCHEDULER_LOCK_FILE"]).acquire(timeout=0):
            yield


def test_a_scheduler_exits_when_another_holds_the_lock(app, db, missed_booking):
    with lock_held_elsewhere(app, db):
        blocked = run_once(app)
    assert blocked.returncode == EXIT_LOCKED, blocked.stderr
    assert "Another scheduler is already running" in blocked.stderr
    assert status_of(db, missed_booking) == "confirmed"

    first = run_once(app)
    assert first.returncode == 0, first.stderr
    assert "bookings.release_no_shows: 1" in first.stdout
    assert status_of(db, missed_booking) == "no_show"


class Output:
    """Collects a process's stderr lines in a thread, to wait for one of them."""

    def __init__(self, process: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process):
        for line in process.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"no {text!r} in {''.join(self.lines)}"
            time.sleep(0.05)

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)


def test_two_schedulers_started_the_job_runs_once(app, db, missed_booking):
    first = subprocess.Popen(
        scheduler_args(),
        cwd=ROOT,
        env=scheduler_env(app),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output = Output(first)
        output.wait_for("job bookings.reminders done")  # every job ran once at start

        second = run_once(app)
        assert second.returncode == EXIT_LOCKED, second.stderr
        assert "Another scheduler is already running" in second.stderr
        assert "job " not in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
        output.thread.join(timeout=5)

    assert first.returncode == 0
    assert output.count("job bookings.release_no_shows done: 1") == 1
    assert output.count("lock released") == 1
    assert status_of(db, missed_booking) == "no_show"
