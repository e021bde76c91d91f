"""A person signs up, logs out and in again, and makes an API token, in a real browser."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


def test_sign_up_log_in_and_make_a_token(page, live_server, outbox):
    page.goto(f"{live_server}/signup")
    page.fill("#name", "Robin Browser")
    page.fill("#email", "robin@example.org")
    page.click("main form button[type=submit]")
    assert "Check your mailbox" in page.locator("main").inner_text()
    link = re.search(r"https?://[^/\s]+(/signup/finish/\S+)", outbox[-1].body).group(1)

    page.goto(f"{live_server}{link}")
    page.fill("#password", "short")
    page.click("main form button[type=submit]")
    assert page.locator(".field-error").inner_text().startswith("The password needs")

    page.fill("#password", "a long enough secret")
    page.click("main form button[type=submit]")
    page.click("nav summary >> text=Robin Browser")  # the personal menu
    page.click("nav >> text=Log out")
    page.goto(f"{live_server}/login?next=/profile")
    page.fill("#email", "robin@example.org")
    page.fill("#password", "a long enough secret")
    page.click("main form button[type=submit]")

    assert page.url == f"{live_server}/profile"
    page.fill("#token-name", "script")
    page.click("#api-tokens form button[type=submit]")
    secret = page.locator("#new-token").inner_text()
    assert re.fullmatch(r"fl_[\w-]+", secret)
    response = page.request.get(
        f"{live_server}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.json()["email"] == "robin@example.org"
