"""PostgreSQL restarts under a running scheduler: it pauses its jobs, takes its lock again
once the database is back, and runs its next jobs — it never exits on its own."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest

from tests.conftest import unavailable
from tests.test_scheduler import ROOT, Output, scheduler_args

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(request):
    """A PostgreSQL cluster of the test's own, to restart (with ``--db postgresql`` only)."""
    from tests.pg import start_cluster

    if request.config.getoption("--db") != "postgresql":
        pytest.skip("restarts a PostgreSQL cluster: runs with --db postgresql")

    try:
        started = start_cluster()
    except (FileNotFoundError, OSError) as error:
        unavailable(f"PostgreSQL is not available: {error}")
    yield started
    started.stop()


def restart(cluster) -> None:
    """An immediate restart, as after a crash: every connection dies."""
    options = f"-p {cluster.port} -k {cluster.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    cluster._run(
        os.path.join(cluster.bin_dir, "pg_ctl"),
        *("-D", cluster.data_dir, "-m", "immediate", "-w", "-o", options),
        *("-l", os.path.join(cluster.data_dir, "server.log"), "restart"),
    )


def test_the_scheduler_survives_a_database_restart(cluster):
    folder = tempfile.mkdtemp(prefix="fablab-sched-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(
        DATABASE_URL=cluster.url,
        SECRET_KEY="scheduler-restart-key-" + "x" * 40,
        SCHEDULER_LOCK_FILE=os.path.join(folder, "scheduler.lock"),
        SCHEDULER_LOCK_CHECK_SECONDS="1",
        UPLOAD_FOLDER=folder,
        PYTHONUNBUFFERED="1",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT="9",
    )
    upgrade = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
    subprocess.run(upgrade, cwd=ROOT, env=env, check=True, capture_output=True)
    process = subprocess.Popen(
        scheduler_args(),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output = Output(process)
        output.wait_for("job bookings.expire_holds done")

        restart(cluster)

        output.wait_for("jobs paused", timeout=30)
        output.wait_for("jobs resume", timeout=60)
        deadline = time.monotonic() + 90  # the job's next run (every 60 s) after the restart
        while output.count("job bookings.expire_holds done") < 2:
            assert time.monotonic() < deadline, "".join(output.lines)
            time.sleep(0.5)
        assert process.poll() is None, "".join(output.lines)
    finally:
        process.terminate()
        process.wait(timeout=30)
