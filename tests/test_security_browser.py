# ruff: noqa: F811  (pytest fixtures imported from tests.test_browser_booking)
"""In Chromium, with the Content-Security-Policy enforced: pages raise no violation and the
behaviour that used inline handlers (language switch, confirm before cancel, print) works."""

from __future__ import annotations

import pytest

from tests.test_browser_booking import (  # noqa: F401  (fixtures)
    browser_context_args,
    demo_printer_id,
    log_in_as_demo_member,
    next_wednesday,
)

pytestmark = pytest.mark.browser


def watch_violations(page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


def test_member_pages_raise_no_policy_violation(page, live_server, demo_printer_id):
    violations = watch_violations(page)
    log_in_as_demo_member(page, live_server)
    for path in (
        "/",
        "/machines",
        f"/machines/{demo_printer_id}/calendar?week={next_wednesday().isoformat()}",
        "/bookings/mine",
        "/events",
        "/profile",
        f"/kiosk/machines/{demo_printer_id}",
    ):
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state()
    assert violations == []


def test_the_language_switch_still_works(page, live_server, demo_printer_id):
    violations = watch_violations(page)
    page.goto(f"{live_server}/machines")
    for language in ("fr", "en"):
        with page.expect_navigation():
            page.locator("#locale-switch").select_option(language)
        assert page.locator("html").get_attribute("lang") == language
    assert violations == []


def test_dismissing_the_confirm_keeps_the_booking(page, live_server, demo_printer_id):
    violations = watch_violations(page)
    log_in_as_demo_member(page, live_server)
    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{demo_printer_id}/calendar?week={wednesday}")
    page.locator(f'td.slot.free[data-day="{wednesday}"][data-start="16:00"]').click()
    page.locator("#confirm-booking").click()
    page.wait_for_url("**/bookings/mine")

    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row = page.locator("#upcoming-bookings tr", has_text="Prusa MK4 #1")
    row.locator("form.cancel-form button").click()
    page.goto(f"{live_server}/bookings/mine")

    assert len(questions) == 1  # the question was asked, and "no" kept the booking
    assert page.locator("#upcoming-bookings tr", has_text="Prusa MK4 #1").count() == 1
    assert violations == []
