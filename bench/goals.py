"""The issue's table: each goal a ratio of two figures measured in the same served run."""

from __future__ import annotations

from urllib.parse import quote

import requests

from bench.served import Lab, load, login, next_week, peak_rss_mb


def _spec(lab: Lab, path: str, seconds: float, clients: int, **extra) -> dict:
    return {"url": f"{lab.base}{path}", "seconds": seconds, "clients": clients, **extra}


def _bearer(lab: Lab) -> dict:
    return {"Authorization": f"Bearer {lab.token}"}


def _booking(lab: Lab, from_days: int) -> dict:
    return {
        "from_days": from_days,
        "days": 40,
        "machine_ids": lab.machine_ids,
        "member_ids": lab.member_ids,
    }


def figures(big: Lab, small: Lab, *, seconds: float, clients: int) -> dict:
    """Every measured figure by name: {throughput, p50_ms, …} (see bench.load)."""
    start, end = next_week()
    week = f"/api/v1/machines/{{}}/availability?start={quote(start)}&end={quote(end)}"
    out = {}
    out["healthz"] = load(_spec(big, "/healthz", seconds, clients))
    out["readyz"] = load(_spec(big, "/readyz", seconds, clients))
    for name, lab in (("", big), ("small ", small)):
        path = week.format(lab.machine_ids[0])
        out[f"{name}availability"] = load(_spec(lab, path, seconds, clients, headers=_bearer(lab)))
        manager = login(lab, "manager@synthetic.example")
        person = login(lab, lab.busiest_email)
        out[f"{name}all bookings"] = load(
            _spec(lab, "/bookings/manage", seconds, clients, cookies=manager)
        )
        out[f"{name}my bookings"] = load(
            _spec(lab, "/bookings/mine", seconds, clients, cookies=person)
        )
    out["booking POST"] = load(
        _spec(
            big,
            "/api/v1/reservations",
            seconds,
            clients,
            headers=_bearer(big),
            booking=_booking(big, 20),
            expect=201,
        )
    )
    out.update(_feed(big, seconds, clients))
    out["peak worker RSS MB"] = peak_rss_mb(big.server)
    return out


def _feed(lab: Lab, seconds: float, clients: int) -> dict:
    """The busiest person's calendar feed: full answer, then the 304 of a client that has it."""
    cookies = login(lab, lab.busiest_email)
    session = requests.Session()
    session.cookies.update(cookies)
    page = session.get(f"{lab.base}/api/v1/me", timeout=30).json()
    url = page.get("calendar_url")
    if not url:
        csrf = session.get(f"{lab.base}/bookings/mine", timeout=30).text
        token = csrf.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        answer = session.post(
            f"{lab.base}/api/v1/me/calendar-token", headers={"X-CSRFToken": token}, timeout=30
        )
        url = answer.json()["calendar_url"]
    path = "/" + url.split("/", 3)[3]
    full = session.get(f"{lab.base}{path}", timeout=60)
    etag = full.headers.get("ETag", "")
    return {
        "feed events": full.text.count("BEGIN:VEVENT"),
        "feed full": load(_spec(lab, path, seconds, clients)),
        "feed 304": load(
            _spec(lab, path, seconds, clients, request_headers={"If-None-Match": etag}, expect=304)
        ),
    }


def sqlite_posts(lab: Lab, *, seconds: float, clients: int) -> dict:
    return load(
        _spec(
            lab,
            "/api/v1/reservations",
            seconds,
            clients,
            headers=_bearer(lab),
            booking=_booking(lab, 20),
            expect=201,
        )
    )


def goals(out: dict, sqlite_post: dict | None) -> list[dict]:
    """The issue's table, computed from the figures."""

    def tput(name):
        return out[name]["throughput"]

    def p50(name):
        return out[name]["p50_ms"]

    rows = [
        ("booking POST throughput / /healthz", tput("booking POST") / tput("healthz"), ">=", 0.5),
        ("booking POST throughput / /readyz (SELECT 1)", tput("booking POST") / tput("readyz"))
        + (">=", 0.5),
        ("availability GET throughput / /healthz", tput("availability") / tput("healthz"))
        + (">=", 0.7),
        ("availability GET throughput / /readyz (SELECT 1)", tput("availability") / tput("readyz"))
        + (">=", 0.7),
        ("availability p50, long history / small", p50("availability") / p50("small availability"))
        + ("<=", 1.2),
        ("All bookings p50, long history / small", p50("all bookings") / p50("small all bookings"))
        + ("<=", 1.3),
        ("My bookings p50, long history / small", p50("my bookings") / p50("small my bookings"))
        + ("<=", 1.3),
        ("feed full / 304 time (p50)", p50("feed full") / p50("feed 304"), ">=", 10),
        ("peak RSS of one worker (MB)", out["peak worker RSS MB"], "<", 150),
    ]
    table = [
        {
            "figure": name,
            "value": round(value, 2),
            "goal": f"{op} {goal}",
            "met": {">=": value >= goal, "<=": value <= goal, "<": value < goal}[op],
        }
        for name, value, op, goal in rows
    ]
    if sqlite_post:
        ratio = sqlite_post["throughput"] / tput("booking POST")
        table.append(
            {
                "figure": "SQLite / PostgreSQL booking POST throughput (2 workers each)",
                "value": round(ratio, 2),
                "goal": "reported",
                "met": None,
            }
        )
    return table
