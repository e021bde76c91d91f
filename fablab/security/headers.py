"""Security headers on every answer.

The Content-Security-Policy allows scripts and style sheets from our own files
only (no inline script: shared behaviour is in static/js/fablab.js); pages may
not be framed by other sites (clickjacking of the one-click POST forms), except
the machine kiosks, which a lab may show inside its own signage page.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# Kiosk pages run on tablets at the machines; a lab may embed them (FABLAB_EMBED_ANCESTORS).
EMBEDDABLE_ENDPOINTS = frozenset({"booking_ops.kiosk", "usage.kiosk"})

POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # style="…" attributes only (never <style> blocks): CSS cannot run script.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
)


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join((*POLICY, f"frame-ancestors {frame_ancestors}"))


def add_security_headers(response: Response) -> Response:
    embeddable = request.endpoint in EMBEDDABLE_ENDPOINTS
    ancestors = current_app.config["FABLAB_EMBED_ANCESTORS"] if embeddable else "'none'"
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(ancestors))
    if not embeddable:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    hsts = current_app.config["HSTS_SECONDS"]
    if request.is_secure and hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
