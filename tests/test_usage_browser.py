"""In a real browser: a member starts a walk-in at the kiosk and stops it with material."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fablab.usage.models import UsageSession
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


def test_a_member_uses_the_kiosk(page, live_server, db, make_machine, member):
    printer = make_machine(name="Kiosk printer", consumable_unit="gram", consumable_rate_cents=5)
    machine_id = printer.id
    db.session.commit()

    page.goto(f"{live_server}/login?next=/usage/machines/{machine_id}/kiosk")
    page.locator("input[name=email]").fill(member.email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]", has_text="Log in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/usage/machines/{machine_id}/kiosk")

    page.locator("#usage-start").click()
    page.wait_for_load_state()
    assert "In use by" in page.locator("#usage-status").inner_text()

    page.locator("input[name=consumables]").fill("12.5")
    page.locator("#usage-stop").click()
    page.wait_for_load_state()
    assert "Session stopped" in page.content()

    db.session.rollback()
    [session] = db.session.scalars(sa.select(UsageSession)).all()
    assert session.status == "closed"
    assert session.consumable_quantity_milli == 12_500
