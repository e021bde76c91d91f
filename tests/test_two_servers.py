# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Two app servers on one PostgreSQL: what several hosts behind a load balancer do.

Two gunicorn servers (the production configuration, gunicorn.conf.py) listen on two
loopback ports and share the test's PostgreSQL. People race for overlapping slots
through both over HTTP: the database keeps the bookings apart, every 201 is a row
and no refused attempt leaves one. Two schedulers started on "two hosts": one runs
the jobs, the other finds the advisory lock taken, and each job runs once.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from fablab.accounts.tokens import create_api_token
from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from fablab.scheduler import EXIT_LOCKED
from fablab.timeutil import utcnow
from tests.bookings_fixtures import PARIS, open_lab, printer  # noqa: F401
from tests.test_scheduler import Output, scheduler_args, scheduler_env, status_of

ROOT = Path(__file__).resolve().parent.parent
RACERS = 24
OFFSETS = 6  # starts 10:00, 10:30 … 12:30, one hour each: every slot overlaps others

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def postgresql_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several app hosts share a PostgreSQL database (run with --db postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(app) -> dict:
    env = scheduler_env(app)
    env.pop("MAIL_SERVER", None)  # mails to the log
    env.update(
        SECRET_KEY="two-servers-" + "s" * 40,
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        GUNICORN_ACCESS_LOG="/dev/null",
        RATELIMIT_ENABLED="0",
    )
    return env


@pytest.fixture
def two_servers(app, db):
    """Two gunicorn servers on their own ports, ready (``/readyz`` answers 200)."""
    db.session.commit()
    servers, logs = [], []
    for _ in range(2):
        port = _free_port()
        log = tempfile.TemporaryFile()  # noqa: SIM115  (closed when the server stops)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            + ["--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=server_env(app),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
        logs.append(log)
    try:
        for process, url in servers:
            wait_ready(process, url)
        yield [url for _process, url in servers]
    finally:
        for process, _url in servers:
            process.terminate()
        for (process, _url), log in zip(servers, logs, strict=True):
            process.wait(timeout=30)
            log.close()


def wait_ready(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server at {url} stopped"
        try:
            if requests.get(f"{url}/readyz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became ready")


def slot(index: int) -> tuple[str, str]:
    day = date.today() + timedelta(days=3)
    start = datetime.combine(day, datetime.min.time(), PARIS) + timedelta(
        hours=10, minutes=30 * (index % OFFSETS)
    )
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


def race(urls: list[str], machine_id: int, tokens: list[str]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[int, dict]] = [(0, {})] * len(tokens)

    def attempt(index: int) -> None:
        start, end = slot(index)
        session = requests.Session()  # a keep-alive connection per racer, to one host
        url = urls[index % len(urls)]
        session.get(f"{url}/healthz", timeout=10)  # connected before the start
        barrier.wait(timeout=30)
        response = session.post(
            f"{url}/api/v1/reservations",
            json={"machine_id": machine_id, "start": start, "end": end},
            headers={"Authorization": f"Bearer {tokens[index]}"},
            timeout=60,
        )
        answers[index] = (response.status_code, response.json())

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def test_bookings_raced_through_two_servers_never_overlap_and_none_is_lost(
    app, db, make_user, printer, two_servers
):
    tokens = []
    for n in range(RACERS):
        _token, secret = create_api_token(user=make_user(email=f"racer{n}@example.org"))
        tokens.append(secret)
    db.session.commit()
    machine_id = printer.id

    answers = race(two_servers, machine_id, tokens)

    statuses = sorted({status for status, _body in answers})
    assert set(statuses) <= {201, 409}, answers
    booked = {body["id"] for status, body in answers if status == 201}
    assert booked, answers
    assert all(body["error"] == "conflict" for status, body in answers if status == 409)
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(Reservation.id, Reservation.start_at, Reservation.end_at).where(
            Reservation.machine_id == machine_id, Reservation.status.in_(ACTIVE_STATUSES)
        )
    ).all()
    # Every 201 is in the database, and nothing else is: a 409 left no row behind.
    assert {row.id for row in rows} == booked
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == len(booked)
    ordered = sorted(rows, key=lambda row: row.start_at)
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before.end_at <= after.start_at
    # Both hosts served bookings (the racers alternate between them).
    hosts = {two_servers[index % 2] for index, (status, _b) in enumerate(answers) if status}
    assert len(hosts) == 2


@pytest.fixture
def missed_booking(db, make_machine, member, lab_settings):
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
    db.session.close()
    return reservation_id


def test_two_schedulers_on_two_hosts_run_each_job_once(app, db, missed_booking):
    """Both start at once (two hosts after a deploy): one holds the advisory lock."""
    env = scheduler_env(app)
    processes = [
        subprocess.Popen(
            scheduler_args(),
            cwd=ROOT,
            env={**env, "HOSTNAME": f"host-{n}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    outputs = [Output(process) for process in processes]
    try:
        deadline = time.monotonic() + 30
        while not any(process.poll() == EXIT_LOCKED for process in processes):
            assert time.monotonic() < deadline, [o.lines for o in outputs]
            time.sleep(0.05)
        running = next(i for i, p in enumerate(processes) if p.poll() is None)
        outputs[running].wait_for("job bookings.reminders done")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process, output in zip(processes, outputs, strict=True):
            process.wait(timeout=30)
            output.thread.join(timeout=5)
    assert sorted(process.returncode for process in processes) == [0, EXIT_LOCKED]
    locked = outputs[1 - running]
    assert any("Another scheduler is already running" in line for line in locked.lines)
    assert locked.count("job ") == 0
    assert outputs[running].count("job bookings.release_no_shows done: 1") == 1
    assert status_of(db, missed_booking) == "no_show"
