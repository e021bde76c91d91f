"""Security headers on every answer.

The Content-Security-Policy allows scripts and style sheets from our own files
only (no inline script: shared behaviour is in static/js/fablab.js); pages may
not be framed by other sites (clickjacking of the one-click POST forms), except
the machine kiosks, which a lab may show inside its own signage page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

# Kiosk pages run on tablets at the machines; a lab may embed them (FABLAB_EMBED_ANCESTORS).
EMBEDDABLE_ENDPOINTS = frozenset({"booking_ops.kiosk", "usage.kiosk"})
# The shop window's widget is made to be framed by any website (it has no form, no action).
OPEN_FRAME_ENDPOINTS = frozenset({"public.widget"})

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # style="…" attributes only (never <style> blocks): CSS cannot run script.
    "style-src-attr 'unsafe-inline'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
)


def content_security_policy(frame_ancestors: str, image_origins: str = "") -> str:
    images = f"img-src 'self' data: {image_origins}".rstrip()
    return "; ".join((*POLICY, images, f"frame-ancestors {frame_ancestors}"))


def _tile_origin() -> str:
    """The regional map's tile server, when one is set (its images are the map)."""
    parts = urlsplit(current_app.config.get("NETWORK_TILE_URL") or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def _frame_ancestors() -> str:
    if request.endpoint in OPEN_FRAME_ENDPOINTS:
        return "*"
    if request.endpoint in EMBEDDABLE_ENDPOINTS:
        return current_app.config["FABLAB_EMBED_ANCESTORS"]
    return "'none'"


def add_security_headers(response: Response) -> Response:
    ancestors = _frame_ancestors()
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy", content_security_policy(ancestors, _tile_origin())
    )
    if ancestors == "'none'":
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    hsts = current_app.config["HSTS_SECONDS"]
    if request.is_secure and hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
