"""Every API route, given nonsense, answers a JSON 4xx — never a 5xx."""

from __future__ import annotations

import re

import pytest

from fablab.accounts.tokens import create_api_token
from fablab.seed import seed_demo
from fablab.transaction import commit

HUGE = 10**30
BODIES = [
    None,
    [],
    "text",
    {},
    {"machine_id": HUGE, "start": "2030-01-01T10:00:00", "end": "yesterday"},
    {"machine_id": "1", "start": "1900-01-01T10:00:00+00:09", "end": "2030-01-01T11:00:00Z"},
    {"machine_id": 1, "start": "2030-01-01T11:00:00Z", "end": "2030-01-01T10:00:00Z"},
    {"user_id": HUGE, "user_email": "nobody@example.org", "consumables": {"quantity": -5}},
    {"consumables": {"quantity": HUGE}, "ended_at": "2000-01-01T00:00:00Z", "reason": "x" * 5000},
    {"count": HUGE, "until": "2030-01-01", "skip_conflicts": "maybe", "first_visit": []},
]


def concrete_paths(rule: str) -> list[str]:
    """A route with its ids filled in: one that exists and one far too large."""
    if "<" not in rule:
        return [rule]
    return [re.sub(r"<[^>]+>", value, rule) for value in ("1", str(HUGE))]


@pytest.fixture
def api_manager(app, db):
    seed_demo()
    commit()
    from fablab.accounts.services import find_user_by_email

    _, secret = create_api_token(user=find_user_by_email("manager@example.org"))
    commit()
    return {"Authorization": f"Bearer {secret}"}


def test_api_routes_survive_nonsense(app, client, api_manager):
    failures = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for path in concrete_paths(rule.rule):
                for body in BODIES if method != "GET" else [None]:
                    response = client.open(
                        path,
                        method=method,
                        json=body,
                        headers=api_manager,
                        query_string={"start": "nonsense", "machine_id": str(HUGE)},
                    )
                    if response.status_code >= 500 or not response.is_json:
                        failures.append(f"{method} {path} {body!r:.60} -> {response.status_code}")
    assert not failures, "\n".join(failures)
