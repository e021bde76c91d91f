"""Jinja filters and globals: money, local times, safe redirects."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin, urlparse

from flask import Flask, request
from flask_babel import format_currency, format_datetime, get_locale
from markupsafe import Markup

from fablab.machines.labels import (
    consumable_unit_label,
    machine_kind_label,
    machine_status_label,
)


def money(cents: int | None) -> str:
    """Integer cents as a localised euro amount: 1250 -> '12,50 €'."""
    if cents is None:
        return ""
    return format_currency(cents / 100, "EUR")


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def is_safe_redirect(target: str | None) -> bool:
    """True when ``target`` stays on our host (for ``next`` parameters)."""
    if not target:
        return False
    base = urlparse(request.host_url)
    joined = urlparse(urljoin(request.host_url, target))
    return joined.scheme in ("http", "https") and joined.netloc == base.netloc


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["localdt"] = local_datetime
    app.jinja_env.globals.update(
        machine_kind_label=machine_kind_label,
        machine_status_label=machine_status_label,
        consumable_unit_label=consumable_unit_label,
    )

    @app.context_processor
    def inject_globals():
        from fablab.machines.settings import get_settings

        return {
            "lab": get_settings(),
            "current_locale": str(get_locale() or "fr"),
            "nbsp": Markup("&nbsp;"),
        }
