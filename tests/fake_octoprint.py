"""A small fake OctoPrint 1.11 server for the poller's tests.

A real HTTP server (``http.server`` in a thread on 127.0.0.1, a free port)
answering ``/api/printer``, ``/api/job`` and ``/api/files/local/<path>`` the
way OctoPrint does, with the ``X-Api-Key`` header checked. Tests script the
printer: ``start``, ``progress``, ``finish``, ``cancel``, ``disconnect``.

What it mimics (see DESIGN.md's field notes): after a print ``/api/job`` still
shows the last job with state Operational and completion 100; after a cancel
the progress is all null and only ``prints.last.success`` tells; the filament
length is for the whole file; ``/api/printer`` answers 409 when the printer is
not connected.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

API_KEY = "fake-octoprint-key"
NULL_PROGRESS = {
    "completion": None,
    "filepos": None,
    "printTime": None,
    "printTimeLeft": None,
    "printTimeLeftOrigin": None,
}


class FakeOctoPrint:
    def __init__(self, api_key: str = API_KEY):
        self.api_key = api_key
        self.connected = True
        self.state = "Operational"
        self.job_file: dict | None = None
        self.filament: dict | None = None
        self.estimated: float | None = None
        self.progress = dict(NULL_PROGRESS)
        self.files: dict[str, dict] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    # --- life cycle -------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeOctoPrint:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- scripted printer ---------------------------------------------------
    def upload(self, name: str, *, length_mm: float | None, estimated: float = 3600.0) -> None:
        with self._lock:
            self.files[name] = {
                "name": name,
                "display": name,
                "path": name,
                "type": "machinecode",
                "origin": "local",
                "size": 123_456,
                "date": 1_763_000_000,
                "gcodeAnalysis": {
                    "estimatedPrintTime": estimated,
                    "filament": {"tool0": {"length": length_mm, "volume": 0.0}},
                },
            }

    def start(self, name: str, *, printed_for: float = 0.0) -> None:
        """Start printing ``name`` (uploaded before); ``printed_for`` seconds already."""
        with self._lock:
            info = self.files[name]
            self.job_file = {k: info[k] for k in ("name", "display", "path", "origin", "size")}
            self.job_file["date"] = info["date"]
            self.filament = info["gcodeAnalysis"]["filament"]
            self.estimated = info["gcodeAnalysis"]["estimatedPrintTime"]
            self.state = "Printing"
            self._set_progress(printed_for)

    def advance(self, printed_for: float) -> None:
        with self._lock:
            self._set_progress(printed_for)

    def finish(self, *, printed_for: float | None = None, at: float | None = None) -> None:
        """The print ends well: Operational, completion 100, prints.last.success true."""
        with self._lock:
            if printed_for is not None:
                self._set_progress(printed_for)
            self.progress["completion"] = 100.0
            self.progress["printTimeLeft"] = 0
            self.state = "Operational"
            self._record_print(success=True, at=at)

    def cancel(self, *, at: float | None = None) -> None:
        """The print is cancelled: progress all null, prints.last.success false."""
        with self._lock:
            self.state = "Operational"
            self._record_print(success=False, at=at)
            self.progress = dict(NULL_PROGRESS)

    def print_between_polls(self, name: str, *, printed_for: float, at: float | None = None):
        """A whole print that starts and ends before the next poll."""
        self.start(name, printed_for=printed_for)
        self.finish(printed_for=printed_for, at=at)

    def disconnect(self) -> None:
        with self._lock:
            self.connected = False
            self.state = "Offline"

    def _set_progress(self, printed_for: float) -> None:
        estimated = self.estimated or 1.0
        size = self.job_file["size"]
        filepos = min(size, int(size * printed_for / estimated))
        self.progress = {
            "completion": 100.0 * filepos / size,
            "filepos": filepos,
            "printTime": int(printed_for),
            "printTimeLeft": max(0, int(estimated - printed_for)),
            "printTimeLeftOrigin": "analysis",
        }

    def _record_print(self, *, success: bool, at: float | None) -> None:
        info = self.files[self.job_file["path"]]
        prints = info.setdefault("prints", {"success": 0, "failure": 0})
        prints["success" if success else "failure"] += 1
        last = {"date": at if at is not None else time.time(), "success": success}
        if success:  # OctoPrint keeps no print time for a failed print
            last["printTime"] = float(self.progress["printTime"] or 0)
        prints["last"] = last

    # --- HTTP ----------------------------------------------------------------
    def _job_json(self) -> dict:
        if not self.connected:
            return {
                "job": {
                    "file": {"name": None, "path": None, "size": None, "date": None},
                    "estimatedPrintTime": None,
                    "filament": None,
                },
                "progress": dict(NULL_PROGRESS),
                "state": "Offline",
            }
        return {
            "job": {
                "file": self.job_file
                or {"name": None, "path": None, "size": None, "date": None, "origin": None},
                "estimatedPrintTime": self.estimated,
                "lastPrintTime": None,
                "filament": self.filament,
                "user": "lab",
            },
            "progress": dict(self.progress),
            "state": self.state,
        }

    def _printer_json(self) -> dict:
        printing = self.state == "Printing"
        return {
            "state": {
                "text": self.state,
                "flags": {
                    "operational": True,
                    "printing": printing,
                    "paused": False,
                    "cancelling": self.state == "Cancelling",
                    "ready": not printing,
                    "error": False,
                    "closedOrError": False,
                },
            },
            "temperature": {"tool0": {"actual": 210.0, "target": 210.0}},
        }

    def answer(self, path: str, api_key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(path)
            if api_key != self.api_key:
                return 403, {"error": "Forbidden"}
            if path == "/api/printer":
                if not self.connected:
                    return 409, {"error": "Printer is not operational"}
                return 200, self._printer_json()
            if path == "/api/job":
                return 200, self._job_json()
            if path.startswith("/api/files/local/"):
                info = self.files.get(unquote(path[len("/api/files/local/") :]))
                return (200, json.loads(json.dumps(info))) if info else (404, {"error": "nf"})
            return 404, {"error": "Not found"}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                status, body = fake.answer(self.path, self.headers.get("X-Api-Key"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler
