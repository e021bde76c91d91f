# ruff: noqa: F811  (the demo_printer_id fixture comes from tests.test_browser_booking)
"""Every main page on a phone (390 × 844) and a desktop (1280 × 800), as a member and a manager:
nothing wider than the screen (also in French, whose strings are longer), the header menu
reachable, and axe-core finds no accessibility violation. The kiosk fits a tablet either way up."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.test_browser_booking import demo_printer_id, next_wednesday  # noqa: F401

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        unavailable("node_modules/axe-core is missing: run `npm install` (or `npm ci`)")
    return AXE.read_text(encoding="utf-8")


def pages_of(persona: str, printer_id: int) -> list[str]:
    day = next_wednesday().isoformat()
    pages = [
        "/",
        "/machines",
        f"/machines/{printer_id}/calendar?week={day}",
        f"/book?day={day}",
        "/bookings/mine",
        "/events",
        "/invoices/mine",
    ]
    if persona == "manager":
        pages += ["/billing/invoices", "/bookings/manage"]
    return pages


def log_in(page, live_server: str, persona: str, locale: str) -> None:
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill(f"{persona}@example.org")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    switch_language(page, locale)


def switch_language(page, locale: str) -> None:
    # The language switch sits in the header menu: open it first on a phone.
    if not page.locator("#locale-switch").is_visible():
        page.locator(".site-menu > summary").click()
    with page.expect_navigation():
        page.locator("#locale-switch").select_option(locale)


def document_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def too_wide(page, viewport: dict) -> list[str]:
    """The elements sticking out of the screen (outside any box that scrolls them)."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll('body *')].filter((el) => {
            if (el.getBoundingClientRect().right <= width + 1) return false;
            for (let up = el.parentElement; up; up = up.parentElement) {
                const overflow = getComputedStyle(up).overflowX;
                if (['auto', 'scroll', 'hidden'].includes(overflow)) return false;
            }
            return true;
        }).slice(0, 5).map((el) => el.tagName.toLowerCase() + '.' + el.className)""",
        viewport["width"],
    )


def axe_violations(page, axe_source: str) -> list[str]:
    """axe-core's findings as "rule-id (targets)"; the context must bypass our CSP to inject it."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({', '.join(str(node['target']) for node in violation['nodes'][:3])})"
        for violation in result["violations"]
    ]


def check_page(page, url: str, viewport: dict, axe_source: str) -> list[str]:
    page.goto(url)
    problems = []
    width = document_width(page)
    if width > viewport["width"]:
        wide = too_wide(page, viewport)
        problems.append(f"{url}: {width} px wide at {viewport['width']}: {wide}")
    problems += [f"{url}: {violation}" for violation in axe_violations(page, axe_source)]
    return problems


def open_menu_and_go(page, viewport: dict, href: str) -> None:
    """Reach a header menu entry as a person would: through the "Menu" button on a phone."""
    menu_button = page.locator(".site-menu > summary")
    link = page.locator(f'.site-menu a[href="{href}"]').first
    if viewport is PHONE:
        assert menu_button.is_visible()
        assert not link.is_visible()
        menu_button.click()
    else:
        assert not menu_button.is_visible()
    link.click()
    page.wait_for_url(f"**{href}")


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("persona", ["member", "manager"])
def test_every_page_fits_the_screen_and_passes_axe(
    browser, live_server, demo_printer_id, axe_source, persona, size
):
    viewport = VIEWPORTS[size]
    context = browser.new_context(viewport=viewport, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        log_in(page, live_server, persona, "en")
        open_menu_and_go(page, viewport, "/bookings/mine")
        assert page.locator("main h1").is_visible()
        if persona == "manager":
            page.goto(f"{live_server}/")
            if viewport is PHONE:
                page.locator(".site-menu > summary").click()
            page.locator(".site-menu details.dropdown > summary").first.click()
            page.locator('.site-menu a[href="/bookings/manage"]').click()
            page.wait_for_url("**/bookings/manage")

        problems = []
        for path in pages_of(persona, demo_printer_id):
            problems += check_page(page, f"{live_server}{path}", viewport, axe_source)
        if viewport is PHONE:  # French strings are longer: the pages still fit
            switch_language(page, "fr")
            assert page.locator("html").get_attribute("lang") == "fr"
            for path in pages_of(persona, demo_printer_id):
                page.goto(f"{live_server}{path}")
                if document_width(page) > PHONE["width"]:
                    problems.append(f"{path} in French: {document_width(page)} px wide")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()


def test_skip_link_is_the_first_stop_and_lands_on_the_content(page, live_server, lab_settings):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/machines")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.hash]")
    assert focused == ["skip-link", "#main"]
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


TABLETS = [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}]


@pytest.mark.parametrize("viewport", TABLETS, ids=["landscape", "portrait"])
def test_the_kiosk_fills_a_tablet_without_the_site_menu(
    browser, live_server, make_machine, lab_settings, axe_source, viewport
):
    machine = make_machine(name="Prusa MK4 #1", location="3D corner")
    context = browser.new_context(viewport=viewport, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/kiosk/machines/{machine.id}")
        assert document_width(page) <= viewport["width"]
        assert page.locator(".site-menu").count() == 0
        assert page.locator("h1", has_text="Prusa MK4 #1").is_visible()
        # Chromium offers the Fullscreen API: the kiosk's button is shown, big enough for a finger.
        button = page.locator("button[data-fullscreen]")
        assert button.is_visible()
        check_in = page.locator("form button[type=submit]").last.bounding_box()
        assert check_in["height"] >= 48
        assert page.locator("link[rel=manifest]").get_attribute("href").endswith(".webmanifest")
        assert axe_violations(page, axe_source) == []
    finally:
        context.close()


def test_the_kiosk_goes_full_screen_and_stays_fresh_without_a_reload(
    browser, live_server, make_machine, lab_settings
):
    machine = make_machine(name="Trotec Speedy 300")
    # bypass_csp: Playwright's waiting functions are evaluated strings, which our CSP forbids.
    context = browser.new_context(viewport=TABLETS[0], locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        page.clock.install()
        page.goto(f"{live_server}/kiosk/machines/{machine.id}")

        page.locator("button[data-fullscreen]").click()
        page.wait_for_function("document.fullscreenElement !== null")
        assert page.locator("button[data-fullscreen]").get_attribute("aria-pressed") == "true"

        # Two minutes later the content is fetched again and swapped in: full screen stays on.
        page.evaluate("document.querySelector('main').dataset.seen = 'before'")
        page.clock.run_for("02:01")
        page.wait_for_function("!document.querySelector('main').dataset.seen")
        assert page.evaluate("document.fullscreenElement !== null")

        # Someone is typing their e-mail: the refresh waits.
        page.locator("main input[name=email]").fill("member@example.org")
        page.evaluate("document.querySelector('main').dataset.seen = 'typing'")
        page.clock.run_for("02:01")
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelector('main').dataset.seen") == "typing"
        assert page.locator("main input[name=email]").input_value() == "member@example.org"
    finally:
        context.close()
