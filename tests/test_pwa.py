"""The lab as an app: the web app manifests, their icons, and the tags every page carries."""

from __future__ import annotations

import io
import json

from PIL import Image


def icons_served(client, manifest: dict) -> dict[str, tuple[int, int]]:
    """Each icon of the manifest, fetched: {purpose sizes: real pixel size}."""
    found = {}
    for icon in manifest["icons"]:
        answer = client.get(icon["src"])
        assert answer.status_code == 200, icon["src"]
        assert answer.mimetype == icon["type"] == "image/png"
        found[f"{icon['purpose']} {icon['sizes']}"] = Image.open(io.BytesIO(answer.data)).size
    return found


def test_the_manifest_names_the_lab_and_points_at_real_icons(client, lab_settings):
    lab_settings.name = "Fab Lab de Quimper"
    answer = client.get("/manifest.webmanifest")

    assert answer.status_code == 200
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["name"] == "Fab Lab de Quimper"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    assert icons_served(client, manifest) == {
        "any 192x192": (192, 192),
        "any 512x512": (512, 512),
        "maskable 512x512": (512, 512),
    }


def test_every_page_links_the_manifest_theme_colour_and_touch_icon(client, lab_settings):
    page = client.get("/machines").get_data(as_text=True)

    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#' in page
    assert 'rel="apple-touch-icon"' in page
    assert client.get("/static/icons/apple-touch-icon.png").status_code == 200
    # The first thing a keyboard reaches: a link straight to the content.
    assert page.index('class="skip-link" href="#main"') < page.index("<header")
    assert '<main class="container" id="main"' in page


def test_a_kiosk_installs_full_screen_on_its_own_machine(client, make_machine, lab_settings):
    machine = make_machine(name="Trotec Speedy 300")
    page = client.get(f"/kiosk/machines/{machine.id}").get_data(as_text=True)
    href = f"/kiosk/machines/{machine.id}/manifest.webmanifest"
    assert f'<link rel="manifest" href="{href}">' in page
    assert "data-site-menu" not in page  # no site menu at the machine
    assert "data-fullscreen" in page

    answer = client.get(href)
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["display"] == "fullscreen"
    assert manifest["start_url"] == f"/kiosk/machines/{machine.id}"
    assert manifest["start_url"].startswith(manifest["scope"])
    assert manifest["name"] == "Trotec Speedy 300"
    assert len(icons_served(client, manifest)) == 3


def test_no_manifest_for_a_machine_that_does_not_exist(client, lab_settings):
    assert client.get("/kiosk/machines/999/manifest.webmanifest").status_code == 404
