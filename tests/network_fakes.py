"""A member lab as a tiny HTTP server whose answers a test controls (slow, huge, broken…)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLab:
    """Serves ``routes[path] = (status, content_type, body, delay_seconds)`` on loopback."""

    def __init__(self):
        self.routes: dict[str, tuple[int, str, bytes, float]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        # Served for any path without a route (e.g. every tile of a tile server).
        self.fallback: tuple[int, str, bytes, float] = (404, "text/plain", b"not found", 0)
        lab = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?", 1)[0]
                lab.requests.append((path, dict(self.headers)))
                status, content_type, body, delay = lab.routes.get(path, lab.fallback)
                time.sleep(delay)
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if self.headers.get("If-None-Match") == etag and status == 200:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(
        self,
        path: str,
        body: bytes | str,
        *,
        status=200,
        content_type="application/json",
        delay=0.0,
    ):
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, content_type, data, delay)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
