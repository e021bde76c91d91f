"""Jinja filters and globals: money, local times (fablab/formatting.py), links, safe redirects."""

from __future__ import annotations

from urllib.parse import urljoin, urlparse

from flask import Flask, request
from flask_babel import get_locale
from markupsafe import Markup

from fablab.formatting import (
    check_format_locales,
    format_date,
    format_datetime,
    format_money,
    format_time,
    quantity_with_unit,
    unit_hint,
)
from fablab.machines.labels import (
    consumable_unit_label,
    machine_kind_label,
    machine_status_label,
)
from fablab.urls import external_url


def is_safe_redirect(target: str | None) -> bool:
    """True when ``target`` stays on our host (for ``next`` parameters)."""
    if not target:
        return False
    base = urlparse(request.host_url)
    joined = urlparse(urljoin(request.host_url, target))
    return joined.scheme in ("http", "https") and joined.netloc == base.netloc


def return_path() -> str:
    """Where a page's own forms (the language switch) send the person back to.

    A page shown in answer to a POST (a form with errors, a token shown once) may have
    no GET route: go back to the page the form was sent from instead.
    """
    if request.method in ("GET", "HEAD"):
        return request.full_path
    referrer = request.referrer
    if is_safe_redirect(referrer):
        parts = urlparse(referrer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def register(app: Flask) -> None:
    check_format_locales(app)
    app.jinja_env.filters.update(
        money=format_money,
        datetime=format_datetime,
        localdt=format_datetime,  # the first name of ``datetime``
        date=format_date,
        time=format_time,
    )
    app.jinja_env.globals.update(
        machine_kind_label=machine_kind_label,
        machine_status_label=machine_status_label,
        consumable_unit_label=consumable_unit_label,
        quantity_with_unit=quantity_with_unit,
        unit_hint=unit_hint,
        external_url=external_url,
        return_path=return_path,
    )

    @app.context_processor
    def inject_globals():
        from fablab.machines.settings import get_settings

        return {
            "lab": get_settings(),
            "current_locale": str(get_locale() or "fr"),
            "nbsp": Markup("&nbsp;"),
        }
