"""``python -m bench.load SPEC``: load one URL from its own process, keep-alive connections.

SPEC is JSON: {"url", "seconds", "clients", "headers", "cookies", "booking": {...} | null,
"expect": status}. Each client thread keeps one connection (``requests.Session``) and
sends requests back to back for ``seconds``; prints one JSON line: requests, errors,
throughput (requests/s) and latency percentiles (ms).
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests

LAB_ZONE = ZoneInfo("Europe/Paris")


def booking_bodies(spec: dict):
    """Free one-hour slots, one per request: machines × open days (Mon–Sat) × hours,
    beyond the two weeks the synthetic history has already booked."""
    first = date.today() + timedelta(days=spec["from_days"])
    days = [first + timedelta(days=n) for n in range(spec["days"])]
    days = [day for day in days if day.weekday() < 6]
    members = itertools.cycle(spec["member_ids"])
    for day, hour, machine_id in itertools.product(days, range(9, 20), spec["machine_ids"]):
        start = datetime.combine(day, datetime.min.time(), LAB_ZONE) + timedelta(hours=hour)
        yield {
            "machine_id": machine_id,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "user_id": next(members),
        }


def run(spec: dict) -> dict:
    bodies = booking_bodies(spec["booking"]) if spec.get("booking") else None
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + spec["seconds"]

    def client() -> None:
        session = requests.Session()
        session.headers.update(spec.get("headers", {}))
        session.cookies.update(spec.get("cookies", {}))
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if bodies is not None:
                with lock:
                    body = next(bodies, None)
                if body is None:
                    break
                response = session.post(spec["url"], json=body, timeout=60)
            else:
                response = session.get(spec["url"], headers=spec.get("request_headers"), timeout=60)
            response.content  # noqa: B018  (read the whole answer)
            mine.append(time.perf_counter() - started)
            failed += response.status_code != spec.get("expect", 200)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(spec["clients"])]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 2)  # noqa: E731
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "seconds": round(elapsed, 2),
        "throughput": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p90_ms": pick(0.9) if latencies else None,
    }


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
