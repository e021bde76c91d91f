"""Three labs and one hub, each its own process with its own SQLite database, on loopback.

The hub's regional figures equal the sum of what the labs publish; a stopped lab
and a lab serving malformed JSON are reported and change nobody's figures; the
machine finder finds a slot that the lab then books; suppressed counts stay hidden.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.network_fakes import FakeLab

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(ROOT / ".venv" / "bin" / "flask")
LABS = ("lyon", "grenoble", "annecy")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Instance:
    def __init__(self, name: str, folder: str):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "FLASK_APP": "wsgi",
            "DATABASE_URL": f"sqlite:///{folder}/{name}.sqlite",
            "SECRET_KEY": f"network-test-secret-{name}-" + "x" * 40,
            "FABLAB_BASE_URL": self.url,
            "UPLOAD_FOLDER": f"{folder}/{name}-uploads",
            "SCHEDULER_LOCK_FILE": f"{folder}/{name}.lock",
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("FLASK_DEBUG", None)
        self.server: subprocess.Popen | None = None

    def run(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def flask(self, *args: str) -> subprocess.Popen:
        return self.run(FLASK, *args)

    def start(self) -> None:
        self.server = self.flask("run", "--host", "127.0.0.1", "--port", str(self.port))

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/open-data/v1/", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not start")

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=10)


def finish(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output


@pytest.fixture(scope="module")
def region():
    folder = tempfile.mkdtemp(prefix="fablab-network-")
    labs = {name: Instance(name, folder) for name in LABS}
    hub = Instance("hub", folder)
    everyone = [*labs.values(), hub]
    broken = FakeLab()
    try:
        # Each lab migrates and seeds its database in one process; the hub only migrates.
        seeds = [lab.run(sys.executable, "-m", "tests.network_labs", n) for n, lab in labs.items()]
        finish([*seeds, hub.flask("db", "upgrade")])
        for instance in everyone:
            instance.start()
        deadline = time.monotonic() + 30
        for instance in everyone:
            instance.wait_ready(deadline)
        yield labs, hub, broken
    finally:
        for instance in everyone:
            instance.stop()
        broken.stop()
        shutil.rmtree(folder, ignore_errors=True)


def serve_malformed_lab(broken: FakeLab) -> None:
    catalogue = {
        "version": "1.0",
        "lab": "Broken lab",
        "website": broken.url + "/",
        "licence": {"title": "Licence Ouverte / Open Licence 2.0", "url": "https://etalab"},
        "datasets": [
            {
                "id": "activity",
                "title": "A",
                "description": "",
                "licence": "LO 2.0",
                "updated_at": "2026-11-30T10:00:00+00:00",
                "formats": [{"format": "json", "url": f"{broken.url}/activity.json"}],
            }
        ],
    }
    broken.serve("/open-data/v1/", json.dumps(catalogue))
    broken.serve("/activity.json", '{"months": [{"month": "2026-10", "hours_booked": {')


def activity(instance: Instance) -> dict:
    return requests.get(f"{instance.url}/open-data/v1/activity.json", timeout=5).json()


def published_sum(documents: list[dict], month: str) -> dict[str, float]:
    """What the region should show for a month, read straight from the labs' documents."""
    totals = {"hours_booked": 0.0, "hours_used": 0.0, "material_kg": 0.0, "companies_served": 0.0}
    for document in documents:
        for entry in document["months"]:
            if entry["month"] != month:
                continue
            totals["hours_booked"] += sum(entry["hours_booked"].values())
            totals["hours_used"] += sum(entry["hours_used"].values())
            totals["material_kg"] += sum(m["kg"] for m in entry["material"].values())
            totals["companies_served"] += entry["companies_served"] or 0
    return totals


def next_thursday() -> str:
    day = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=2)
    while day.weekday() != 3:
        day += timedelta(days=1)
    return day.isoformat()


def test_a_region_of_three_labs_and_a_hub(region):
    labs, hub, broken = region
    serve_malformed_lab(broken)
    urls = [f"{lab.url}/open-data/v1/" for lab in [*labs.values(), broken]]
    finish([hub.flask("network", "add-lab", "--no-fetch", *urls)])
    refresh = hub.flask("network", "refresh")
    output, _ = refresh.communicate(timeout=60)
    assert refresh.returncode == 1, output  # the broken lab fails, the others are up to date
    assert "3 up to date, 1 failing" in output and "malformed JSON" in output

    documents = [activity(lab) for lab in labs.values()]
    grenoble = next(m for m in documents[1]["months"] if m["month"] == "2026-10")
    assert grenoble["active_members"] is None and grenoble["companies_served"] is None
    figures = requests.get(f"{hub.url}/network/figures.json", timeout=5).json()
    expected = published_sum(documents, "2026-10")
    october = figures["months"]["2026-10"]
    for metric, value in expected.items():
        assert october[metric] == pytest.approx(value), metric
    assert october["companies_served"] == 5  # Lyon's five; Grenoble's single company stays hidden
    states = {lab["name"]: lab["state"] for lab in figures["labs"]}
    assert states["Fab Lab Lyon"] == states["Fab Lab Grenoble"] == states["Fab Lab Annecy"] == "ok"
    assert states["127.0.0.1"] == "error"  # the malformed lab never gave its name
    before = figures["totals"]

    labs["annecy"].stop()
    refresh = hub.flask("network", "refresh")
    output, _ = refresh.communicate(timeout=60)
    assert refresh.returncode == 1 and "2 up to date, 2 failing" in output, output
    assert re.search(rf"error\s+.*{labs['annecy'].port}|unreachable", output)
    after = requests.get(f"{hub.url}/network/figures.json", timeout=5).json()
    assert after["totals"] == before  # Annecy's last good copy is kept, nobody else moved

    query = {
        "kind": "laser_cutter",
        "day": next_thursday(),
        "after": "14:00",
        "before": "18:00",
        "minutes": "60",
        "near": "lyon",
    }
    page = requests.get(f"{hub.url}/network/finder", params=query, timeout=10).text
    assert "Laser Lyon" in page and "Laser Grenoble" not in page
    start = re.search(r'data-start="([^"]+)"', page).group(1)
    booking_url = re.search(r'class="book-link" href="([^"]+)"', page).group(1)
    machine_id = int(re.search(r"/machines/(\d+)/calendar", booking_url).group(1))
    assert booking_url.startswith(labs["lyon"].url)

    token = labs["lyon"].flask("create-token", "manager@lyon.example.org")
    secret, _ = token.communicate(timeout=30)
    begin = datetime.fromisoformat(start)
    booked = requests.post(
        f"{labs['lyon'].url}/api/v1/reservations",
        json={
            "machine_id": machine_id,
            "start": begin.isoformat(),
            "end": (begin + timedelta(hours=1)).isoformat(),
        },
        headers={"Authorization": f"Bearer {secret.strip().splitlines()[-1]}"},
        timeout=10,
    )
    assert booked.status_code == 201, booked.text
