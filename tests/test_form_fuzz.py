"""Every form, sent empty or with nonsense, answers with a clear error — never a 5xx."""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.seed import seed_demo
from fablab.transaction import commit
from tests.test_crawl import internal_links, route_shape

MAX_PAGES = 250
NONSENSE = ["", "-1", "x' OR 1=1 --<b>", "9" * 30, "2026-13-45", "25:99", "é€\u0000"]


class FormParser(HTMLParser):
    """The POST forms of a page: action and field names."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fields": []}
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current is not None:
            name = attrs.get("name")
            if name and name != "csrf_token":
                self._current["fields"].append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(html: str, page: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = form["action"] or page
    return [f for f in parser.forms if f["action"].startswith("/")]


@pytest.mark.parametrize("email", [None, "member@example.org", "manager@example.org"])
def test_forms_survive_empty_and_nonsense_input(app, client, login_as, db, email):
    seed_demo()
    commit()
    user = None
    if email:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        login_as(user)
    seen, queue, forms = {route_shape("/")}, deque(["/"]), {}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code >= 400:
            continue
        html = response.get_data(as_text=True)
        for form in post_forms(html, url):
            forms.setdefault(route_shape(form["action"]), form)
        for link in internal_links(html):
            if route_shape(link) not in seen:
                seen.add(route_shape(link))
                queue.append(link)
    failures = []
    for form in forms.values():
        if re.search(r"/(logout|language)$", form["action"]):
            continue
        for value in NONSENSE:
            response = client.post(form["action"], data={name: value for name in form["fields"]})
            if response.status_code >= 500:
                failures.append((form["action"], value, response.status_code))
            if user is not None:
                login_as(user)  # a form may have changed who is logged in
    assert not failures, "\n".join(sorted({f"{a} {v!r} -> {c}" for a, v, c in failures}))
    assert len(forms) > 3
