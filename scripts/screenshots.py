"""Take the README screenshots of the booking page, on a phone and on a desktop.

    .venv/bin/python scripts/screenshots.py               # serves the demo lab on a free port
    .venv/bin/python scripts/screenshots.py --url URL     # or uses a running one (`make run`)

Without --url, a throwaway demo lab (SQLite in a temporary folder, the same steps as `make run`)
is served on 127.0.0.1 on a free port for the time of the shots. Needs Chromium (CHROMIUM_PATH,
default /usr/bin/chromium) and playwright (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = {
    "booking-phone.png": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2},
    "booking-desktop.png": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the demo server stopped before answering")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url}")


@contextmanager
def demo_server():
    """The demo lab as `make run` serves it, on a free loopback port, in a temporary folder."""
    folder = tempfile.mkdtemp(prefix="fablab-screenshots-")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "FABLAB_BASE_URL": url,
        "FLASK_APP": "wsgi",
    }
    for step in (["db", "upgrade"], ["seed-demo", "--if-empty"]):
        subprocess.run([BIN / "flask", *step], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    server = subprocess.Popen(  # noqa: S603
        [BIN / "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def open_wednesday() -> date:
    """A Wednesday ahead (the demo lab opens Tuesday to Saturday), outside the year-end closure."""
    day = date.today() + timedelta(days=7)
    day += timedelta(days=(2 - day.weekday()) % 7)
    while (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 2):
        day += timedelta(days=7)
    return day


def shoot(browser, url: str, name: str, options: dict) -> None:
    context = browser.new_context(locale="en-GB", **options)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.locator("input[name=email]").fill("member@example.org")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{url}/machines")
    machine = page.locator("main a", has_text="Prusa MK4 #1").first.get_attribute("href")
    if not page.locator("#locale-switch").is_visible():
        page.locator(".site-menu > summary").click()
    with page.expect_navigation():
        page.locator("#locale-switch").select_option("en")
    day = open_wednesday().isoformat()
    page.goto(f"{url}{machine.rstrip('/')}/calendar?week={day}")
    free = page.locator(f'td.slot.free[data-day="{day}"][data-start="14:00"]')
    if free.count():
        free.first.click()  # the booking form, filled in for that slot
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(500)  # let the selection's colour transition end
    page.screenshot(path=OUT / name, full_page=True)
    context.close()
    print(f"wrote docs/screenshots/{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running fablab with the demo lab (default: serve one)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if args.url:
            for name, options in SHOTS.items():
                shoot(browser, args.url.rstrip("/"), name, options)
        else:
            with demo_server() as url:
                for name, options in SHOTS.items():
                    shoot(browser, url, name, options)
        browser.close()


if __name__ == "__main__":
    main()
