"""Served figures: the app under gunicorn on PostgreSQL, loaded over HTTP from another process.

Two labs in one throwaway cluster, both filled by ``flask seed-synthetic``: the long one
(``--years`` × ``--machines``, about a million rows) and a small one (one year, one
machine, about a thousand bookings). Each is served by its own gunicorn
(gunicorn.conf.py, 2 workers × 4 threads); ``bench.load`` runs in a separate process
with keep-alive connections. Every goal is a ratio of two figures of the same run.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-served-" + "k" * 40
PASSWORD = "synthetic-password"  # noqa: S105  (fablab/synthetic/people.py)
ZONE = ZoneInfo("Europe/Paris")


def env_for(url: str, folder: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "MAIL_"))}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        UPLOAD_FOLDER=os.path.join(folder, "uploads"),
        SCHEDULER_LOCK_FILE=os.path.join(folder, "scheduler.lock"),
        FABLAB_BASE_URL="http://127.0.0.1",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        GUNICORN_ACCESS_LOG="/dev/null",
        GUNICORN_MAX_REQUESTS="0",
        RATELIMIT_ENABLED="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)}: {done.stderr[-2000:]}")
    return done.stdout


@dataclass
class Lab:
    name: str
    url: str
    env: dict
    load_seconds: float = 0
    bookings: int = 0
    token: str = ""
    machine_ids: list[int] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    busiest_email: str = ""
    base: str = ""
    server: subprocess.Popen | None = None


def build(lab: Lab, years: int, machines: int) -> None:
    flask(lab.env, "db", "upgrade")
    started = time.perf_counter()
    out = flask(
        lab.env, "seed-synthetic", "--years", str(years), "--machines", str(machines), "--seed", "1"
    )
    lab.load_seconds = round(time.perf_counter() - started, 1)
    print("  " + out.strip().splitlines()[-3], flush=True)
    lab.token = flask(lab.env, "create-token", "manager@synthetic.example").strip()
    engine = sa.create_engine(lab.url)
    with engine.connect() as connection:
        lab.bookings = connection.scalar(sa.text("SELECT count(*) FROM reservations"))
        lab.machine_ids = list(connection.scalars(sa.text("SELECT id FROM machines ORDER BY id")))
        lab.member_ids = list(
            connection.scalars(
                sa.text(
                    "SELECT id FROM users WHERE role = 'member' AND active ORDER BY id LIMIT 200"
                )
            )
        )
        lab.busiest_email = connection.scalar(
            sa.text(
                "SELECT u.email FROM reservations r JOIN users u ON u.id = r.user_id "
                "WHERE u.active AND u.company_id IS NULL GROUP BY u.email "
                "ORDER BY count(*) DESC LIMIT 1"
            )
        )
    engine.dispose()


def serve(lab: Lab) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    lab.base = f"http://127.0.0.1:{port}"
    lab.server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
        + ["wsgi:app"],
        cwd=ROOT,
        env=lab.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{lab.base}/readyz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{lab.name}: gunicorn never became ready")


def stop(lab: Lab) -> None:
    if lab.server and lab.server.poll() is None:
        lab.server.terminate()
        lab.server.wait(timeout=60)


def login(lab: Lab, email: str) -> dict:
    """A logged-in session's cookies, through the login form like a person."""
    session = requests.Session()
    page = session.get(f"{lab.base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    session.post(f"{lab.base}/login", data=form, timeout=30)
    return session.cookies.get_dict()


def load(spec: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_rss_mb(server: subprocess.Popen) -> float:
    """The largest peak resident memory (VmHWM) of the server's worker processes."""
    peaks = []
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks), 1) if peaks else 0.0


def next_week() -> tuple[str, str]:
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    start = datetime.combine(monday, datetime.min.time(), ZONE)
    return start.isoformat(), (start + timedelta(days=7)).isoformat()
