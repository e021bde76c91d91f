"""Security headers on every answer, and pages that satisfy the Content-Security-Policy:
no inline script, no inline handler, no <style> block, on any page a person can reach."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.machines.models import Machine
from fablab.seed import seed_demo
from fablab.transaction import commit
from tests.test_crawl import internal_links, route_shape

MAX_PAGES = 300


class InlineCode(HTMLParser):
    """What the policy would block: <script> without src, on*= handlers, <style>, javascript:."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "action", "src") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_protected(response, path):
    policy = response.headers.get("Content-Security-Policy", "")
    assert (
        "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src-attr")[0]
    ), path
    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("Referrer-Policy") == "same-origin", path
    if re.match(r"^(/kiosk/machines/\d+|/usage/machines/\d+/kiosk)$", path):
        assert "frame-ancestors 'self'" in policy, path
    else:
        assert "frame-ancestors 'none'" in policy, path
        assert response.headers.get("X-Frame-Options") == "DENY", path


@pytest.mark.parametrize("email", [None, "member@example.org", "manager@example.org"])
def test_every_reachable_page_has_the_headers_and_no_inline_code(app, client, login_as, db, email):
    seed_demo()
    commit()
    if email:
        login_as(db.session.scalar(sa.select(User).where(User.email == email)))
    machine = db.session.scalar(sa.select(Machine).order_by(Machine.id))
    start = ["/", "/login", "/signup", f"/kiosk/machines/{machine.id}"]
    seen, queue, problems = {route_shape(p) for p in start}, deque(start), []
    while queue and len(seen) <= MAX_PAGES:
        path = queue.popleft()
        response = client.get(path)
        assert_protected(response, path)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        problems += [f"{path}: {found}" for found in inline_code(html)]
        for link in internal_links(html):
            if route_shape(link) not in seen:
                seen.add(route_shape(link))
                queue.append(link)
    assert len(seen) > 10
    assert not problems, "\n".join(sorted(set(problems)))


def test_api_answers_and_errors_carry_the_headers(client):
    for path in ("/api/v1/machines", "/api/v1/me", "/no-such-page"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_behind_a_trusted_proxy_the_scheme_comes_from_its_header(app_config):
    from fablab import create_app

    class Proxied(app_config):
        FABLAB_TRUSTED_PROXIES = 1

    proxied = create_app(Proxied).test_client()
    answer = proxied.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in answer.headers


def test_only_the_widget_may_be_framed_by_any_site(client, lab_settings):
    widget = client.get("/widget")
    assert widget.status_code == 200
    assert "frame-ancestors *" in widget.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget.headers
    home = client.get("/")
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]
    assert home.headers["X-Frame-Options"] == "DENY"


def test_the_map_tiles_server_is_allowed_for_images_only(app, client, lab_settings, monkeypatch):
    monkeypatch.setitem(app.config, "NETWORK_TILE_URL", "https://tiles.example/{z}/{x}/{y}.png")
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tiles.example;" in policy
    assert "script-src 'self';" in policy and "tiles.example" not in policy.split("img-src")[0]
