"""Helpers of the calendar tests: reservations at Paris wall-clock times, three parsers."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from tests.conftest import unavailable

PARIS = ZoneInfo("Europe/Paris")
ROOT = Path(__file__).resolve().parent.parent
PARSE_ICS = ROOT / "tests" / "js" / "parse_ics.mjs"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def book_directly(db, lab_settings):
    """Insert a reservation row as the bookings services leave it (no rules checked)."""
    from fablab.bookings.models import Reservation

    lab_settings.timezone = "Europe/Paris"
    db.session.commit()

    def _book(machine, user, start, *, hours=2, status="confirmed", company=None, **extra):
        end = start + timedelta(hours=hours)
        reservation = Reservation(
            machine_id=machine.id,
            user_id=user.id,
            company_id=company.id if company else None,
            start_at=start.astimezone(UTC),
            end_at=end.astimezone(UTC),
            blocked_until=end.astimezone(UTC),
            status=status,
            hold_expires_at=(end.astimezone(UTC) if status == "held" else None),
            **extra,
        )
        db.session.add(reservation)
        db.session.commit()
        return reservation

    return _book


def vevents_icalendar(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def vevents_vobject(body: bytes) -> dict[str, object]:
    calendar = vobject.readOne(body.decode("utf-8"))
    return {str(event.uid.value): event for event in getattr(calendar, "vevent_list", [])}


def parse_with_icaljs(body: bytes) -> dict:
    """What ical.js (Thunderbird's parser) reads: {"events": [{uid, start (UTC ISO)…}]}."""
    if not shutil.which("node"):
        unavailable("node is not installed: the ical.js checks need it")
    if not (ROOT / "node_modules" / "ical.js").is_dir():
        unavailable("node_modules/ical.js is missing: run `npm install` (or `npm ci`)")
    with tempfile.NamedTemporaryFile(suffix=".ics") as handle:
        handle.write(body)
        handle.flush()
        done = subprocess.run(  # noqa: S603
            [shutil.which("node"), str(PARSE_ICS), handle.name],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def utc_starts(body: bytes) -> dict[str, dict[str, str]]:
    """Each event's start as a UTC ISO string, as read by the three parsers."""
    by_icalendar = {
        uid: event.decoded("DTSTART").astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        for uid, event in vevents_icalendar(body).items()
    }
    by_vobject = {
        uid: event.dtstart.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        for uid, event in vevents_vobject(body).items()
    }
    by_icaljs = {
        event["uid"]: event["start"][:16] + "Z" for event in parse_with_icaljs(body)["events"]
    }
    return {"icalendar": by_icalendar, "vobject": by_vobject, "ical.js": by_icaljs}


@pytest.fixture
def make_event(db, lab_settings):
    """A published lab event on Saturday 10 July 2027, 09:00–12:00 in Paris."""
    from fablab.events.models import Event

    lab_settings.timezone = "Europe/Paris"
    db.session.commit()

    def _make(**overrides):
        values = dict(
            kind="discovery_day",
            title_fr="Journée découverte",
            title_en="Discovery day",
            description_fr="Venez découvrir le lab.",
            description_en="Come and discover the lab.",
            start_at=paris(2027, 7, 10, 9).astimezone(UTC),
            end_at=paris(2027, 7, 10, 12).astimezone(UTC),
            place="Fab Lab, grande salle",
            capacity=12,
            status="published",
        )
        values.update(overrides)
        event = Event(**values)
        db.session.add(event)
        db.session.commit()
        return event

    return _make


def calendar(*events: str) -> str:
    body = "".join(events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


class FeedServer:
    """Serves ``body`` at any path with an ETag; answers 304 to a matching If-None-Match."""

    def __init__(self):
        self.body = calendar()
        self.status = 200
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests.append(dict(self.headers))
                data = server.body.encode()
                etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                if server.status != 200:
                    self.send_response(server.status)
                    self.end_headers()
                elif self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar; charset=utf-8")
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/closures.ics"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def feed_server(lab_settings, db):
    lab_settings.timezone = "Europe/Paris"
    db.session.commit()
    with FeedServer() as server:
        yield server
