"""The web app manifest: the lab on a phone's home screen, a kiosk full screen on a tablet."""

from __future__ import annotations

import json

from flask import Response, url_for

# Pico's jade primary colour: the browser bar and the splash screen of the installed app.
THEME_COLOR = "#007a50"
# The PNG icons in static/icons (scripts/make_icons.py draws them).
ICONS = (
    ("icon-192.png", "192x192", "any"),
    ("icon-512.png", "512x512", "any"),
    ("icon-maskable-512.png", "512x512", "maskable"),
)


def web_app_manifest(*, name: str, start_url: str, display: str, scope: str = "/") -> dict:
    """A W3C web app manifest with the lab's name, colour and icons."""
    return {
        "name": name,
        "short_name": name if len(name) <= 12 else name[:12].rstrip(),
        "start_url": start_url,
        "scope": scope,
        "display": display,
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {
                "src": url_for("static", filename=f"icons/{filename}"),
                "sizes": sizes,
                "type": "image/png",
                "purpose": purpose,
            }
            for filename, sizes, purpose in ICONS
        ],
    }


def manifest_response(manifest: dict) -> Response:
    response = Response(
        json.dumps(manifest, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.cache_control.max_age = 3600
    return response
