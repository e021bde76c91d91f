"""In a real browser: a visitor registers to the demo discovery day and confirms by e-mail."""

from __future__ import annotations

import re

import pytest

from fablab.seed import seed_demo
from fablab.transaction import commit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}


@pytest.fixture
def demo_lab(app, db):
    with app.test_request_context():
        seed_demo()
        commit()


def test_a_visitor_registers_to_the_demo_discovery_day(page, live_server, demo_lab, outbox):
    page.goto(f"{live_server}/events")
    page.get_by_role("link", name="Journée découverte").click()
    page.get_by_label("Votre nom").fill("Sam Visiteur")
    page.get_by_label("E-mail").fill("sam@example.org")
    page.get_by_label("C'est ma première venue au lab").check()
    page.get_by_role("button", name="S'inscrire").click()
    result = page.locator("#registration-result")
    result.wait_for()
    assert "e-mail" in result.inner_text()

    (message,) = outbox
    link = re.search(r"http://localhost(/events/confirm/\S+)", message.body).group(1)
    page.goto(f"{live_server}{link}")
    page.get_by_role("button", name="Confirmer mon inscription").click()
    status = page.locator("#registration-status")
    status.wait_for()
    assert "Confirmée" in status.inner_text()
    assert len(outbox) == 2 and outbox[1].attachments  # the confirmation, with the .ics
