"""In a real browser, on a phone: the shop window and the regional page."""

from __future__ import annotations

import os

import pytest

from fablab.network.jobs import refresh_now
from fablab.network.services import add_lab
from fablab.seed import seed_demo
from fablab.transaction import commit

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("FABLAB_SCREENSHOTS")


@pytest.fixture
def demo_region(app, db, live_server, monkeypatch):
    monkeypatch.setitem(app.config, "FABLAB_BASE_URL", live_server)
    with app.test_request_context():
        seed_demo()
        commit()
    add_lab(url=f"{live_server}/open-data/v1/")
    commit()
    refresh_now()
    return live_server


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    "locale,free,heading",
    [("fr", "Libre", "Les machines en ce moment"), ("en", "Free", "Machines right now")],
)
def test_the_shop_window_reads_well_on_a_phone(browser, demo_region, locale, free, heading):
    context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_region}/")
    assert page.get_by_role("heading", name=heading).is_visible()
    statuses = page.locator("#machines-now .status").all_inner_texts()
    assert statuses and free in statuses
    assert page.locator("#figures strong").count() == 3
    assert page.locator("#next-events li").count() >= 1
    assert fits_the_screen(page)
    shot(page, f"home-phone-{locale}")
    context.close()


def test_the_regional_page_on_a_phone(browser, demo_region):
    context = browser.new_context(viewport=PHONE, locale="en", is_mobile=True)
    page = context.new_page()
    page.goto(f"{demo_region}/network")
    assert page.get_by_role("heading", name="The region in total").is_visible()
    assert page.locator("#labs-side-by-side").get_by_text("Fab Lab Démo").is_visible()
    assert fits_the_screen(page)
    shot(page, "regional-phone-en")
    page.get_by_role("link", name="Events in the region").click()
    assert page.get_by_role("heading", name="Events in the region").is_visible()
    assert fits_the_screen(page)
    context.close()


# A 1×1 grey PNG: every tile of the fake tile server.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763686868000003040181a3a7e70000000049454e44ae426082"
)


def test_the_regional_map_draws_tiles_and_labs_when_a_tile_server_is_set(
    app, browser, demo_region, monkeypatch
):
    from tests.network_fakes import FakeLab

    tiles = FakeLab()
    tiles.fallback = (200, "image/png", PIXEL, 0)
    monkeypatch.setitem(app.config, "NETWORK_TILE_URL", tiles.url + "/{z}/{x}/{y}.png")
    try:
        context = browser.new_context(viewport=PHONE, locale="en", is_mobile=True)
        page = context.new_page()
        page.goto(f"{demo_region}/network")
        page.locator("#network-map .map-marker").wait_for()
        assert page.locator("#network-map .map-marker").inner_text() == "Fab Lab Démo"
        assert page.locator("#network-map img.map-tile").count() >= 2
        assert any(path.endswith(".png") for path, _headers in tiles.requests)
        assert fits_the_screen(page)
        shot(page, "regional-map")
        context.close()
    finally:
        tiles.stop()
