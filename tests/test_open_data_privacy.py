"""No public page or dataset ever shows a person: every public answer is searched for
the demo people's names and e-mails (accounts, companies, event registrations)."""

from __future__ import annotations

from collections import deque

import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.events.models import Registration
from fablab.network.jobs import refresh_now as refresh_labs
from fablab.network.services import add_lab
from fablab.seed import seed_demo
from fablab.transaction import commit
from tests.test_crawl import internal_links, route_shape

PUBLIC_STARTS = [
    "/",
    "/widget",
    "/widget.json",
    "/open-data/v1/",
    "/open-data/v1/lab.json",
    "/open-data/v1/activity.json",
    "/open-data/v1/activity.csv",
    "/calendar/events.ics",
    "/network",
    "/network/events",
    "/network/events.ics",
]


def personal_strings(db) -> set[str]:
    found: set[str] = set()
    for user in db.session.scalars(sa.select(User)):
        found |= {user.email, user.name}
    for company in db.session.scalars(sa.select(Company)):
        found |= {company.contact_email}
    for registration in db.session.scalars(sa.select(Registration)):
        found |= {registration.email, registration.name}
    return {s for s in found if s and len(s) > 3}


def test_no_public_answer_names_anyone(app, db, client, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "FABLAB_BASE_URL", live_server)
    with app.test_request_context():
        seed_demo()
        commit()
    # The lab is also a member of its own hub, so the regional pages show its figures.
    lab = add_lab(url=f"{live_server}/open-data/v1/")
    commit()  # the lab being its own member answers from another connection
    refresh_labs(labs=[lab])
    commit()
    assert lab.state == "ok", lab.last_error
    forbidden = personal_strings(db)
    assert "member@example.org" in forbidden and "Alex Membre" in forbidden

    seen = {route_shape(u) for u in PUBLIC_STARTS}
    queue, leaks, visited = deque(PUBLIC_STARTS), [], 0
    while queue and visited < 300:
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        leaks += [(url, s) for s in forbidden if s in body or s.lower() in body.lower()]
        if response.mimetype == "text/html":
            for link in internal_links(body):
                if route_shape(link) not in seen and "/manage" not in link:
                    seen.add(route_shape(link))
                    queue.append(link)
    assert visited > 15
    assert leaks == []
