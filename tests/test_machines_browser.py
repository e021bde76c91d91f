"""A manager adds a machine with a photo and sets the opening hours, in a real browser."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x03\x00\x08\xfc\x02\xfe\xa7\x9a\xa0\xa0"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


def log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", TEST_PASSWORD)
    page.click("main form button[type=submit]")


def test_a_manager_adds_a_machine_with_a_photo(page, live_server, manager, tmp_path):
    photo = tmp_path / "printer.png"
    photo.write_bytes(PNG)
    log_in(page, live_server, manager.email)

    page.goto(f"{live_server}/machines/new")
    page.fill("#name", "Bambu X1")
    page.select_option("#kind", "3d_printer")
    for field, amount in [("member", "3"), ("public", "5.5"), ("reduced", "2"), ("company", "12")]:
        page.fill(f"#rate_{field}_cents", amount)
    page.fill("#billing_increment_minutes", "0")
    page.set_input_files("#photo", str(photo))
    page.click("main form button[type=submit]")

    assert "Number must be" in page.locator("#billing_increment_minutes-error").inner_text()
    page.fill("#billing_increment_minutes", "15")
    page.set_input_files("#photo", str(photo))
    page.click("main form button[type=submit]")

    assert page.locator("h1").inner_text() == "Bambu X1"
    assert "€5.50" in page.locator("main").inner_text()
    assert page.locator("img.machine-photo").evaluate("img => img.naturalWidth") == 1


def test_a_manager_sets_opening_hours_and_the_public_sees_them(page, live_server, manager):
    log_in(page, live_server, manager.email)

    page.goto(f"{live_server}/settings/hours")
    page.fill("#day_0", "09:00-12:00, 11:00-13:00")
    page.click("main form button[type=submit]")
    assert "overlap" in page.locator("#day_0-error").inner_text()

    page.fill("#day_0", "09:00-12:00, 14:00-18:00")
    page.click("main form button[type=submit]")
    page.goto(f"{live_server}/machines")

    assert "09:00–12:00, 14:00–18:00" in page.locator("main").inner_text()
