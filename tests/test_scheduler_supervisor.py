"""The jobs process comes back by itself: a crashed scheduler loop restarts and runs
its next job, and /readyz shows when a job last ran."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler

from fablab import heartbeat, scheduler


def wait_for(condition, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def ticking_job(monkeypatch):
    """The scheduler's only job: it notes each run."""
    runs: list[float] = []
    job = scheduler.Job("test.tick", lambda: runs.append(time.monotonic()) or len(runs), 3600)
    monkeypatch.setattr(scheduler, "JOBS", [job])
    heartbeat.forget_writes()
    return runs


@pytest.fixture
def crash_after_first_run(monkeypatch, ticking_job):
    """The scheduler's loop fails once, right after its first job ran (a fault injected
    where APScheduler wakes up to look for due jobs)."""
    crashes: list[int] = []
    process_jobs = BlockingScheduler._process_jobs

    def failing_once(self):
        if ticking_job and not crashes:
            crashes.append(1)
            raise RuntimeError("injected fault in the scheduler loop")
        return process_jobs(self)

    monkeypatch.setattr(BlockingScheduler, "_process_jobs", failing_once)
    return crashes


def start(supervisor: scheduler.Supervisor) -> threading.Thread:
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    return thread


def test_a_crashed_loop_comes_back_and_runs_its_next_job(
    app, db, client, ticking_job, crash_after_first_run, caplog
):
    caplog.set_level(logging.INFO, logger="fablab.scheduler")
    supervisor = scheduler.Supervisor(app, guard=None, first_backoff=0.2)
    thread = start(supervisor)
    try:
        # The job is due every hour: a second run within seconds means a new loop.
        assert wait_for(lambda: len(ticking_job) == 1)
        supervisor.scheduler.wakeup()  # it looks for due jobs, and fails there
        assert wait_for(lambda: len(ticking_job) >= 2), "the loop did not come back"
    finally:
        supervisor.stop()
        thread.join(timeout=10)

    assert crash_after_first_run == [1]
    assert supervisor.restarts == 1
    assert not thread.is_alive()  # stop() ends it for good
    assert "the scheduler loop stopped unexpectedly" in caplog.text
    assert "injected fault" in caplog.text
    ready = client.get("/readyz").get_json()
    assert ready["status"] == "ok"
    assert ready["scheduler"]["seconds_ago"] < 60
    assert ready["scheduler"]["failing"] == []


def test_restarts_back_off_and_a_stop_during_the_pause_ends_it(app, ticking_job, monkeypatch):
    def always_failing(self):
        raise RuntimeError("broken for good")

    monkeypatch.setattr(BlockingScheduler, "_process_jobs", always_failing)
    supervisor = scheduler.Supervisor(app, guard=None, first_backoff=0.05, max_backoff=0.2)
    pauses: list[float] = []
    wait = supervisor.stopping.wait
    monkeypatch.setattr(supervisor.stopping, "wait", lambda s: pauses.append(s) or wait(s))
    thread = start(supervisor)
    assert wait_for(lambda: len(pauses) >= 5)
    supervisor.stop()
    thread.join(timeout=5)

    assert pauses[:5] == [0.05, 0.1, 0.2, 0.2, 0.2]
    assert not thread.is_alive()


def test_a_failing_job_shows_in_readyz_and_clears_when_it_succeeds(app, client, monkeypatch):
    heartbeat.forget_writes()
    outcome = {"fail": True}

    def flaky():
        if outcome["fail"]:
            raise ValueError("printer unreachable")
        return 1

    job = scheduler.Job("test.flaky", flaky, 60)
    scheduler.run_job(app, job)
    assert client.get("/readyz").get_json()["scheduler"]["failing"] == ["test.flaky"]

    outcome["fail"] = False
    scheduler.run_job(app, job)

    assert client.get("/readyz").get_json()["scheduler"]["failing"] == []


def test_readyz_says_when_no_job_ever_ran(client):
    assert client.get("/readyz").get_json()["scheduler"] == {
        "last_run_at": None,
        "seconds_ago": None,
        "failing": [],
    }
