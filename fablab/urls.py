"""Absolute links for mails, feeds and printed codes, on the lab's public address.

``FABLAB_BASE_URL`` (e.g. ``https://lab.example.org`` or, behind a path prefix,
``https://example.org/fablab``) is the address people reach the lab at: every
link that leaves the page it is on (an e-mail, a calendar feed, a QR code, the
open-data catalogue) is built on it, never on the request's Host header, which
a client chooses. Only a development server (debug) without it falls back to the
address it was reached at; elsewhere the fallback is ``DEVELOPMENT_BASE_URL``.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request

DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"

log = logging.getLogger(__name__)


def _configured() -> str:
    return (current_app.config.get("FABLAB_BASE_URL") or "").strip().rstrip("/")


def base_url() -> str:
    """The lab's public address, without a trailing slash (its path prefix kept)."""
    configured = _configured()
    if configured:
        return configured
    if current_app.debug and has_request_context():
        return request.url_root.rstrip("/")
    return DEVELOPMENT_BASE_URL


def external_url(endpoint: str, **values) -> str:
    """The absolute link to ``endpoint`` on the public address; works in jobs too."""
    base = urlsplit(base_url())
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def uid_host() -> str:
    """The host part of calendar UIDs: stable, so never taken from a request."""
    return urlsplit(_configured() or DEVELOPMENT_BASE_URL).hostname or "localhost"


def warn_if_unset(app: Flask) -> None:
    if not app.config.get("FABLAB_BASE_URL") and not (app.debug or app.testing):
        log.warning(
            "FABLAB_BASE_URL is not set: links in e-mails and feeds point at %s",
            DEVELOPMENT_BASE_URL,
        )
