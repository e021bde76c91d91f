"""In a real browser: the demo member books from the calendar and sees it in "my bookings"."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from fablab.machines.models import Machine
from fablab.seed import seed_demo
from fablab.transaction import commit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def demo_printer_id(app, db) -> int:
    with app.test_request_context():
        seed_demo()
        commit()
    machine_id = db.session.scalar(sa.select(Machine.id).where(Machine.name == "Prusa MK4 #1"))
    db.session.commit()  # release SQLite's write lock for the server's threads
    return machine_id


def next_wednesday() -> date:
    """A Wednesday at least a week ahead, outside the demo's end-of-year closure."""
    day = date.today() + timedelta(days=7)
    day += timedelta(days=(2 - day.weekday()) % 7)
    while (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 2):
        day += timedelta(days=7)
    return day


def log_in_as_demo_member(page, live_server):
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill("member@example.org")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("form button[type=submit]", has_text="Log in").click()
    page.wait_for_load_state()


def test_member_books_a_free_slot_by_clicking_it(page, live_server, demo_printer_id):
    log_in_as_demo_member(page, live_server)
    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{demo_printer_id}/calendar?week={wednesday}")

    slot = page.locator(f'td.slot.free[data-day="{wednesday}"]').first
    start = slot.get_attribute("data-start")
    slot.click()
    assert page.locator("#id_day, input[name=day]").first.input_value() == wednesday
    assert page.locator("input[name=start_time]").input_value() == start
    page.locator("#confirm-booking").click()

    page.wait_for_url("**/bookings/mine")
    upcoming = page.locator("#upcoming-bookings")
    assert "Prusa MK4 #1" in upcoming.inner_text()
    assert start in upcoming.inner_text()


def test_member_drags_across_slots_to_book_a_longer_time(page, live_server, demo_printer_id):
    log_in_as_demo_member(page, live_server)
    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{demo_printer_id}/calendar?week={wednesday}")

    first = page.locator(f'td.slot.free[data-day="{wednesday}"][data-start="14:00"]')
    last = page.locator(f'td.slot.free[data-day="{wednesday}"][data-start="15:00"]')
    first.hover()
    page.mouse.down()
    last.hover()
    page.mouse.up()

    assert page.locator("input[name=start_time]").input_value() == "14:00"
    assert page.locator("input[name=end_time]").input_value() == "15:30"
    page.locator("#confirm-booking").click()
    page.wait_for_url("**/bookings/mine")
    assert "15:30" in page.locator("#upcoming-bookings").inner_text()


def test_member_cancels_from_my_bookings(page, live_server, demo_printer_id):
    log_in_as_demo_member(page, live_server)
    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{demo_printer_id}/calendar?week={wednesday}")
    page.locator(f'td.slot.free[data-day="{wednesday}"][data-start="16:00"]').click()
    page.locator("#confirm-booking").click()
    page.wait_for_url("**/bookings/mine")

    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("#upcoming-bookings tr", has_text="Prusa MK4 #1")
    row.locator("form.cancel-form button").click()
    page.wait_for_load_state()

    assert "Prusa MK4 #1" in page.locator("#past-bookings").inner_text()
    assert page.locator("#upcoming-bookings tr", has_text="Prusa MK4 #1").count() == 0


# -- a phone: touch drag; a keyboard: the grid is one tab stop with arrow keys ------------

PHONE = {"width": 390, "height": 844}


def centre(locator) -> tuple[float, float]:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def touch(cdp, kind: str, point=None) -> None:
    points = [{"x": point[0], "y": point[1]}] if point else []
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_on_a_phone_a_touch_drag_books_a_range(browser, live_server, demo_printer_id):
    context = browser.new_context(viewport=PHONE, has_touch=True, locale="en-GB")
    page = context.new_page()
    log_in_as_demo_member(page, live_server)
    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{demo_printer_id}/calendar?week={wednesday}")
    cells = f'td.slot.free[data-day="{wednesday}"]'

    # A tap selects one slot.
    page.touchscreen.tap(*centre(page.locator(f'{cells}[data-start="11:00"]')))
    assert page.locator("input[name=start_time]").input_value() == "11:00"
    assert page.locator("input[name=end_time]").input_value() == "11:30"

    # A finger held on 14:00, then dragged down to 15:00, selects 14:00–15:30.
    first = centre(page.locator(f'{cells}[data-start="14:00"]'))
    last = centre(page.locator(f'{cells}[data-start="15:00"]'))
    cdp = context.new_cdp_session(page)
    touch(cdp, "touchStart", first)
    page.wait_for_timeout(400)
    for step in range(1, 6):
        touch(cdp, "touchMove", (first[0], first[1] + (last[1] - first[1]) * step / 5))
    touch(cdp, "touchEnd")

    assert page.locator("input[name=start_time]").input_value() == "14:00"
    assert page.locator("input[name=end_time]").input_value() == "15:30"
    quote = page.locator("#quote-text")
    quote.wait_for(state="visible")
    # The demo member reads French (their profile's language).
    assert re.search(r"(Expected cost|Coût prévu) ?: \S*\d", quote.inner_text())
    page.locator("#confirm-booking").tap()
    page.wait_for_url("**/bookings/mine")
    assert "15:30" in page.locator("#upcoming-bookings").inner_text()
    context.close()


def test_booking_by_keyboard_takes_a_few_key_presses(page, live_server, demo_printer_id):
    log_in_as_demo_member(page, live_server)
    wednesday = next_wednesday().isoformat()
    page.goto(f"{live_server}/machines/{demo_printer_id}/calendar?week={wednesday}")
    presses = 0

    def press(key):
        nonlocal presses
        page.keyboard.press(key)
        presses += 1

    # From the last link before the calendar, one Tab enters the grid (one tab stop).
    page.locator("div.actions a").last.focus()  # "Next week →"
    press("Tab")
    focused = page.evaluate("document.activeElement.closest('table.calendar.week') !== null")
    assert focused
    target = page.locator(f'td[data-day="{wednesday}"][data-start="14:00"]')
    col, row = int(target.get_attribute("data-col")), int(target.get_attribute("data-row"))
    here = page.evaluate(
        "[+document.activeElement.dataset.col, +document.activeElement.dataset.row]"
    )
    for _ in range(abs(col - here[0])):
        press("ArrowRight" if col > here[0] else "ArrowLeft")
    for _ in range(abs(row - here[1])):
        press("ArrowDown" if row > here[1] else "ArrowUp")
    press("Enter")
    press("Shift+ArrowDown")
    press("Shift+ArrowDown")
    assert page.locator("input[name=start_time]").input_value() == "14:00"
    assert page.locator("input[name=end_time]").input_value() == "15:30"
    press("Enter")  # on the selection: on to the confirm button
    assert page.evaluate("document.activeElement.id") == "confirm-booking"
    press("Enter")
    page.wait_for_url("**/bookings/mine")
    assert "15:30" in page.locator("#upcoming-bookings").inner_text()
    assert presses <= 25  # was 40–70 Tab presses to reach the calendar alone
