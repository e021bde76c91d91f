"""Walk every page reachable by links, as each demo person: no page may answer 5xx."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlparse

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.seed import seed_demo
from fablab.transaction import commit

HREF = re.compile(r'href="([^"]+)"')
# Links a crawler must not follow: downloads are checked elsewhere, logout ends the visit.
SKIP = ("/static/", "/logout", "webcal:", "mailto:", "tel:")
MAX_PAGES = 400


def route_shape(url: str) -> str:
    """/bookings/12?week=2026-11-23 and /bookings/13?week=2026-11-30 share a shape."""
    parsed = urlparse(url)
    keys = sorted(part.split("=")[0] for part in parsed.query.split("&") if part)
    return re.sub(r"\d+", "N", parsed.path) + "?" + "&".join(keys)


def internal_links(html: str) -> list[str]:
    links = []
    for href in HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parsed = urlparse(href)
        if parsed.scheme or parsed.netloc or not href.startswith("/"):
            continue
        if any(part in href for part in SKIP):
            continue
        links.append(href)
    return links


@pytest.mark.parametrize(
    "email", [None, "member@example.org", "employee@example.org", "manager@example.org"]
)
def test_no_page_reachable_by_a_link_fails(app, client, login_as, db, email):
    seed_demo()
    commit()
    if email:
        login_as(db.session.scalar(sa.select(User).where(User.email == email)))
    seen, queue, failures = {route_shape("/")}, deque(["/"]), []
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if response.mimetype != "text/html":
            continue
        for link in internal_links(response.get_data(as_text=True)):
            if route_shape(link) not in seen:
                seen.add(route_shape(link))
                queue.append(link)
    assert failures == []
    assert len(seen) > 5
