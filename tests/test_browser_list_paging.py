"""In a real browser: the demo manager pages through all bookings and finds a person by typing."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.bookings.services import create_reservation
from fablab.machines.models import Machine
from fablab.seed import seed_demo
from fablab.timeutil import utcnow
from fablab.transaction import commit

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def busy_demo_lab(app, db):
    """The demo lab plus 60 bookings by a "Margaret Hamilton", more than one page."""
    with app.test_request_context():
        seed_demo()
        person = User(email="margaret@example.org", name="Margaret Hamilton", locale="en")
        person.set_password("demo-password")
        db.session.add(person)
        printer = db.session.scalar(sa.select(Machine).where(Machine.name == "Prusa MK4 #1"))
        manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
        first = utcnow().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=70)
        for n in range(60):
            start = first + timedelta(days=n)
            end = start + timedelta(hours=1)
            create_reservation(
                machine=printer, user=person, start=start, end=end, by=manager, override_rules=True
            )
        commit()
    db.session.commit()  # release SQLite's write lock for the server's threads


def log_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill("manager@example.org")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("form button[type=submit]", has_text="Log in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_manager_pages_and_types_ahead(page, live_server, busy_demo_lab, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    log_in(page, live_server)
    page.goto(f"{live_server}/bookings/manage")
    assert page.locator("#all-bookings tbody tr").count() == 50
    assert page.locator("select[name=user_id]").count() == 0  # no drop-down of every user

    box = page.locator("input[name=person]")
    with page.expect_response(lambda r: "/api/v1/users?" in r.url and r.status == 200):
        box.fill("marg")
    page.wait_for_function("document.querySelectorAll('#people-list option').length > 0")
    options = page.locator("#people-list option")
    assert options.first.get_attribute("value") == "Margaret Hamilton <margaret@example.org>"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/manage-{size[0]}x{size[1]}.png", full_page=False)

    box.fill("Margaret Hamilton <margaret@example.org>")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#bookings-total").inner_text().startswith("60 ")  # demo manager: French
    page.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert page.locator("#all-bookings tbody tr").count() == 10
    assert page.input_value("input[name=person]") == "Margaret Hamilton <margaret@example.org>"
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                       && !e.closest('.table-scroll'))
          .map(e => e.tagName + '.' + e.className + '#' + e.id)"""
    )
    assert wide == [], "the list scrolls sideways"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/manage-page2-{size[0]}x{size[1]}.png", full_page=True)
