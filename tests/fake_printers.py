"""Small fake Moonraker and PrusaLink servers for the printer-link tests.

Real HTTP servers (``http.server`` in a thread on 127.0.0.1, a free port) built
from each server's published API documentation; tests script the printer
(``start``, ``advance``, ``finish``, ``cancel``, ``fail``) and can take the server
down and bring it back on the same port.

Moonraker (docs: printer objects, job history): every answer is wrapped in
``{"result": …}``; ``X-Api-Key`` is checked (401 when wrong);
``/printer/objects/query?print_stats&virtual_sdcard`` gives ``print_stats``
(``state`` standby / printing / paused / complete / cancelled / error,
``filename``, ``print_duration``, ``total_duration``, ``filament_used`` mm) and
``virtual_sdcard`` (``progress`` 0..1, ``file_position``, ``file_size``); after a
print the stats stay until the next one. ``/server/history/list`` lists jobs,
newest first by default, with ``job_id``, ``status`` (in_progress, completed,
cancelled, error…), ``start_time``, ``end_time`` (null while in progress),
``filament_used`` (mm really extruded, set when the job ends) and ``metadata``.

PrusaLink API v1: ``/api/v1/status`` → ``{"printer": {"state": …}, "job": {…}}``
(``job`` only while there is one); ``/api/v1/job`` → 204 without a job, else
``id``, ``state`` (PRINTING, PAUSED, FINISHED, STOPPED, ERROR), ``progress`` %,
``time_printing`` s, ``time_remaining`` s and ``file`` with the slicer's ``meta``.
A finished or stopped job stays until the printer is cleared or the next starts.
Authentication: HTTP digest (MD5, qop auth; user ``maker``) or ``X-Api-Key``.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOONRAKER_KEY = "fake-moonraker-key"
PRUSALINK_USER = "maker"
PRUSALINK_PASSWORD = "fake-prusalink-password"
PRUSALINK_KEY = "fake-prusalink-key"
REALM = "Printer API"


class FakeServer:
    """The HTTP part: a real server on 127.0.0.1 that can go down and come back."""

    def __init__(self):
        self.requests: list[str] = []
        self._lock = threading.RLock()
        self._server = None
        self._thread = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def __enter__(self):
        self.bring_back()
        return self

    def __exit__(self, *exc) -> None:
        self.go_down()

    def bring_back(self) -> None:
        """(Re)start serving, on the same port as before."""
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def go_down(self) -> None:
        """Stop answering: connections are refused until ``bring_back``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def answer(self, path: str, headers) -> tuple[int, dict | None, dict]:
        raise NotImplementedError

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with fake._lock:
                    fake.requests.append(self.path)
                    status, body, extra = fake.answer(self.path, self.headers)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler


# ----------------------------------------------------------------------------- Moonraker
class FakeMoonraker(FakeServer):
    def __init__(self, api_key: str = MOONRAKER_KEY):
        super().__init__()
        self.api_key = api_key
        self.klippy_connected = True
        self.files: dict[str, dict] = {}
        self.jobs: list[dict] = []  # oldest first
        self.stats = self._stats("standby", "")
        self.progress = 0.0
        self._next_id = 1

    @staticmethod
    def _stats(state: str, filename: str, **numbers) -> dict:
        return {
            "state": state,
            "filename": filename,
            "print_duration": numbers.get("print_duration", 0.0),
            "total_duration": numbers.get("total_duration", 0.0),
            "filament_used": numbers.get("filament_used", 0.0),
            "message": numbers.get("message", ""),
            "info": {"total_layer": None, "current_layer": None},
        }

    def upload(self, name: str, *, length_mm: float, grams: float, estimated: float = 3600.0):
        self.files[name] = {
            "size": 1_000_000,
            "filament_total": length_mm,
            "filament_weight_total": grams,
            "estimated_time": estimated,
        }

    def start(self, name: str, *, printed_for: float = 0.0) -> None:
        with self._lock:
            job = {
                "job_id": f"{self._next_id:06X}",
                "exists": True,
                "end_time": None,
                "filament_used": 0.0,
                "filename": name,
                "metadata": dict(self.files[name]),
                "print_duration": 0.0,
                "status": "in_progress",
                "start_time": time.time() - printed_for,
                "total_duration": 0.0,
                "user": "_TRUSTED_USER_",
                "auxiliary_data": [],
            }
            self._next_id += 1
            self.jobs.append(job)
            self._advance(printed_for)

    def advance(self, printed_for: float) -> None:
        with self._lock:
            self._advance(printed_for)

    def _advance(self, printed_for: float) -> None:
        job = self.jobs[-1]
        meta = job["metadata"]
        self.progress = min(1.0, printed_for / meta["estimated_time"])
        self.stats = self._stats(
            "printing",
            job["filename"],
            print_duration=printed_for,
            total_duration=printed_for,
            filament_used=meta["filament_total"] * self.progress,
        )

    def _end(self, state: str, status: str, at: float | None, message: str = "") -> None:
        job = self.jobs[-1]
        job["status"] = status
        job["end_time"] = at if at is not None else time.time()
        job["filament_used"] = self.stats["filament_used"]
        job["print_duration"] = job["total_duration"] = job["end_time"] - job["start_time"]
        self.stats = dict(self.stats, state=state, message=message)

    def finish(self, *, at: float | None = None) -> None:
        with self._lock:
            self._advance(self.jobs[-1]["metadata"]["estimated_time"])
            self._end("complete", "completed", at)

    def cancel(self, *, at: float | None = None) -> None:
        with self._lock:
            self._end("cancelled", "cancelled", at)

    def fail(self, *, at: float | None = None) -> None:
        with self._lock:
            self._end("error", "error", at, message="Heater extruder not heating at expected rate")

    def print_between_polls(self, name: str, *, printed_for: float, at: float) -> None:
        self.start(name, printed_for=printed_for)
        with self._lock:
            self.jobs[-1]["start_time"] = at - printed_for
        self.finish(at=at)

    def answer(self, path: str, headers):
        if headers.get("X-Api-Key") != self.api_key:
            return 401, {"error": {"code": 401, "message": "Unauthorized"}}, {}
        route, _, query = path.partition("?")
        if route == "/printer/objects/query":
            if not self.klippy_connected:
                return 503, {"error": {"code": 503, "message": "Klippy Host not connected"}}, {}
            status = {}
            if "print_stats" in query:
                status["print_stats"] = dict(self.stats)
            if "virtual_sdcard" in query:
                size = 1_000_000
                status["virtual_sdcard"] = {
                    "file_path": self.stats["filename"] or None,
                    "progress": self.progress,
                    "is_active": self.stats["state"] == "printing",
                    "file_position": int(size * self.progress),
                    "file_size": size,
                }
            return 200, {"result": {"eventtime": time.monotonic(), "status": status}}, {}
        if route == "/server/history/list":
            jobs = [json.loads(json.dumps(job)) for job in self.jobs]
            if "order=asc" not in query:
                jobs.reverse()
            limit = re.search(r"limit=(\d+)", query)
            jobs = jobs[: int(limit.group(1))] if limit else jobs[:50]
            return 200, {"result": {"count": len(jobs), "jobs": jobs}}, {}
        return 404, {"error": {"code": 404, "message": "Not Found"}}, {}


# ----------------------------------------------------------------------------- PrusaLink
def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324  (HTTP digest is MD5)


class FakePrusaLink(FakeServer):
    def __init__(self, *, digest: bool = True):
        super().__init__()
        self.digest = digest
        self.state = "IDLE"
        self.job: dict | None = None
        self.files: dict[str, dict] = {}
        self._next_id = 100
        self._nonces: set[str] = set()

    def upload(self, name: str, *, grams: float, length_mm: float, estimated: float = 3600.0):
        self.files[name] = {
            "name": name[:8].upper() + "~1.BGC",
            "display_name": name,
            "path": "/usb",
            "size": 1_000_000,
            "m_timestamp": 1_763_000_000,
            "meta": {
                "filament used [g]": grams,
                "filament used [mm]": length_mm,
                "estimated printing time (normal mode)": "1h 0m 0s",
                "filament_type": "PLA",
                "_estimated": estimated,
            },
        }

    def start(self, name: str, *, printed_for: float = 0.0) -> None:
        with self._lock:
            self.job = {"id": self._next_id, "state": "PRINTING", "file": self.files[name]}
            self._next_id += 1
            self.state = "PRINTING"
            self._advance(printed_for)

    def advance(self, printed_for: float) -> None:
        with self._lock:
            self._advance(printed_for)

    def _advance(self, printed_for: float) -> None:
        estimated = self.job["file"]["meta"]["_estimated"]
        progress = min(100.0, round(100.0 * printed_for / estimated, 2))
        self.job.update(
            progress=progress,
            time_printing=int(printed_for),
            time_remaining=max(0, int(estimated - printed_for)),
        )

    def finish(self) -> None:
        with self._lock:
            self._advance(self.job["file"]["meta"]["_estimated"])
            self.job.update(state="FINISHED", time_remaining=0)
            self.state = "FINISHED"

    def cancel(self) -> None:
        with self._lock:  # the progress stays where the print stopped
            self.job.update(state="STOPPED")
            self.state = "STOPPED"

    def fail(self) -> None:
        with self._lock:
            self.job.update(state="ERROR")
            self.state = "ERROR"

    def clear(self) -> None:
        """The printer is cleared (knob pressed, or a while later): no job any more."""
        with self._lock:
            self.job = None
            self.state = "IDLE"

    def _authorized(self, path: str, headers) -> bool:
        if not self.digest:
            return headers.get("X-Api-Key") == PRUSALINK_KEY
        header = headers.get("Authorization") or ""
        if not header.startswith("Digest "):
            return False
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
        if fields.get("nonce") not in self._nonces or fields.get("username") != PRUSALINK_USER:
            return False
        ha1 = _md5(f"{PRUSALINK_USER}:{REALM}:{PRUSALINK_PASSWORD}")
        ha2 = _md5(f"GET:{fields.get('uri')}")
        parts = [ha1, fields["nonce"], fields.get("nc", ""), fields.get("cnonce", "")]
        expected = _md5(":".join([*parts, fields.get("qop", ""), ha2]))
        return fields.get("uri") == path and fields.get("response") == expected

    def _challenge(self) -> tuple[int, dict, dict]:
        nonce = secrets.token_hex(8)
        self._nonces.add(nonce)
        value = f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", algorithm=MD5'
        extra = {"WWW-Authenticate": value} if self.digest else {}
        return 401, {"title": "Unauthorized", "message": "Unauthorized"}, extra

    def _job_json(self) -> dict:
        job = json.loads(json.dumps(self.job))
        job["file"]["meta"].pop("_estimated", None)
        job["inaccurate_estimates"] = False
        return job

    def answer(self, path: str, headers):
        if not self._authorized(path, headers):
            return self._challenge()
        if path == "/api/v1/status":
            body = {
                "storage": {"path": "/usb/", "name": "usb", "read_only": False},
                "printer": {
                    "state": self.state,
                    "temp_nozzle": 215.0,
                    "target_nozzle": 215.0,
                    "temp_bed": 60.0,
                    "target_bed": 60.0,
                },
            }
            if self.job is not None:
                job = self._job_json()
                body["job"] = {
                    k: job[k] for k in ("id", "progress", "time_remaining", "time_printing")
                }
            return 200, body, {}
        if path == "/api/v1/job":
            return (204, None, {}) if self.job is None else (200, self._job_json(), {})
        return 404, {"title": "Not Found", "message": "Not Found"}, {}


# ----------------------------------------------------------------------------- Shelly
class FakeShelly(FakeServer):
    """A Shelly Plus plug (Gen2 RPC over HTTP, authentication off as shipped):
    ``GET /rpc/Switch.GetStatus?id=0`` → ``output`` (relay on) and ``apower`` (W)."""

    def __init__(self):
        super().__init__()
        self.output = True
        self.watts = 0.0

    def draw(self, watts: float) -> None:
        with self._lock:
            self.watts = watts

    def answer(self, path: str, headers):
        if path == "/rpc/Switch.GetStatus?id=0":
            return (
                200,
                {
                    "id": 0,
                    "source": "init",
                    "output": self.output,
                    "apower": self.watts,
                    "voltage": 231.4,
                    "freq": 50.0,
                    "current": round(self.watts / 231.4, 3),
                    "aenergy": {"total": 1234.5, "by_minute": [0.0, 0.0, 0.0], "minute_ts": 0},
                    "temperature": {"tC": 41.2, "tF": 106.2},
                },
                {},
            )
        return 404, {"code": 404, "message": "No handler for " + path}, {}
