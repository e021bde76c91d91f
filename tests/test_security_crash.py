# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""A gunicorn worker killed with SIGKILL in the middle of a burst of bookings sent with
Idempotency-Keys: every client retries what was reset, and every booking exists exactly
once, without overlap, while the server keeps serving."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from tests.bookings_fixtures import open_lab, printer  # noqa: F401

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 30
PARIS = ZoneInfo("Europe/Paris")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(app, db, open_lab):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="crash-test-key-" + "x" * 40,
        UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
        PYTHONUNBUFFERED="1",
    )
    db.session.commit()
    db.session.close()
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        + ["--no-control-socket", "--graceful-timeout", "1", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if call(port, "GET", "/healthz")[0] == 200:
                break
            time.sleep(0.2)
        yield port, master
    finally:
        master.terminate()
        master.wait(timeout=20)


def call(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
    """One HTTP request; (0, {}) when the connection breaks or is refused."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request(
            method, path, body=json.dumps(body) if body else None, headers=headers or {}
        )
        answer = connection.getresponse()
        data = answer.read()
        return answer.status, json.loads(data) if data.startswith(b"{") else {}
    except (ConnectionError, http.client.HTTPException, OSError):
        return 0, {}
    finally:
        connection.close()


def workers_of(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def slots() -> list[tuple[str, str]]:
    """PEOPLE one-hour slots from 09:00 to 19:00, starting three days from now."""
    first = date.today() + timedelta(days=3)
    result = []
    for n in range(PEOPLE):
        day, hour = first + timedelta(days=n // 10), 9 + n % 10
        start = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)
        result.append((start.isoformat(), (start + timedelta(hours=1)).isoformat()))
    return result


def test_killing_a_worker_mid_burst_books_everything_exactly_once(
    app, db, server, printer, make_user
):
    from fablab.accounts.tokens import create_api_token

    port, master = server
    tokens = []
    for n in range(PEOPLE):
        _, secret = create_api_token(user=make_user(email=f"racer{n}@example.org"))
        tokens.append(secret)
    db.session.commit()
    machine_id = printer.id
    db.session.close()
    attempts: dict[int, int] = {}

    def book(n: int) -> tuple[int, dict]:
        start, end = slots()[n]
        headers = {
            "Authorization": f"Bearer {tokens[n]}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid5(uuid.NAMESPACE_URL, f"booking-{n}")),
        }
        body = {"machine_id": machine_id, "start": start, "end": end}
        for attempt in range(1, 30):
            attempts[n] = attempt
            status, answer = call(port, "POST", "/api/v1/reservations", body, headers)
            if status in (0, 502, 503) or (
                status == 409
                and answer.get("error") == "conflict"
                and "Idempotency" in answer.get("message", "")
            ):
                time.sleep(0.2)  # reset, or the first copy still running: send it again
                continue
            return status, answer
        return 0, {}

    def kill_a_worker():
        time.sleep(0.15)
        os.kill(workers_of(master)[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(book, range(PEOPLE)))
    killer.join()

    assert [status for status, _ in answers] == [201] * PEOPLE, answers
    ids = [answer["id"] for _, answer in answers]
    assert len(set(ids)) == PEOPLE
    rows = db.session.execute(
        sa.select(Reservation.user_id, Reservation.start_at, Reservation.end_at).where(
            Reservation.machine_id == machine_id, Reservation.status.in_(ACTIVE_STATUSES)
        )
    ).all()
    assert len(rows) == PEOPLE  # exactly once each
    assert len({row.user_id for row in rows}) == PEOPLE
    ordered = sorted(rows, key=lambda row: row.start_at)
    assert all(a.end_at <= b.start_at for a, b in zip(ordered, ordered[1:], strict=False))
    assert call(port, "GET", "/healthz")[0] == 200  # still serving
    print("retried:", sorted(n for n, count in attempts.items() if count > 1))
