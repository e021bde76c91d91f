"""PostgreSQL restarts under load: the web answers 503 with Retry-After while the database
is away — never a 500 — and serves again once it is back."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from tests.test_scheduler import ROOT
from tests.test_security_crash import call, free_port
from tests.test_security_scheduler import cluster, restart  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def test_a_database_restart_under_load_gives_503_never_500(cluster):  # noqa: F811
    folder = tempfile.mkdtemp(prefix="fablab-restart-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=cluster.url,
        SECRET_KEY="restart-test-key-" + "x" * 40,
        UPLOAD_FOLDER=folder,
        RATELIMIT_ENABLED="0",
    )
    upgrade = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(upgrade, cwd=ROOT, env=env, check=True, capture_output=True)
    seed = [sys.executable, "-m", "flask", "--app", "wsgi", "seed-demo"]
    subprocess.run(seed, cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4"]
        + ["--bind", f"127.0.0.1:{port}", "--no-control-socket", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(folder, "server.log"), "w"),  # noqa: SIM115
    )
    statuses: list[int] = []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            for path in ("/machines", "/api/v1/machines", "/events"):
                statuses.append(call(port, "GET", path)[0])

    try:
        for _ in range(100):
            if call(port, "GET", "/healthz")[0] == 200:
                break
            time.sleep(0.2)
        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        restart(cluster)
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        after = [call(port, "GET", "/machines")[0] for _ in range(5)]
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)

    log = open(os.path.join(folder, "server.log")).read()  # noqa: SIM115
    errors = [part[:3000] for part in log.split("ERROR")[1:]]
    assert 500 not in statuses, "\n".join(errors)
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert after == [200] * 5
