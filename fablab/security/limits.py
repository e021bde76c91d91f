"""Rate limits: one table of what is limited, applied to the registered views.

Anonymous forms that send mail or check a password are limited per address;
the API per caller. Wrong passwords also count per account (see ``attempts``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from fablab.extensions import limiter

# endpoint -> limits per client address, on POST only (reading a form is free).
FORM_LIMITS = {
    "accounts.login": "30/minute",
    "accounts.signup": "5/minute;30/hour",
    "accounts.forgot_password": "5/minute;30/hour",
    "accounts.reset_password": "10/minute",
    "accounts.finish_signup": "10/minute",
    "booking_ops.kiosk_check_in": "30/minute",
}
# Anonymous visitors only: a registration mails whatever address is typed in.
ANONYMOUS_LIMITS = {
    "events.register": "5/minute;20/hour",
    "api.create_registration": "5/minute;20/hour",
}


def api_caller() -> str:
    """Who the API limit counts against: the token sent, else the person, else the address."""
    for header in ("Authorization", "X-Device-Token"):
        value = request.headers.get(header)
        if value:
            return "token:" + hashlib.sha256(value.encode()).hexdigest()[:32]
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "address:" + (get_remote_address() or "")


def _is_logged_in() -> bool:
    return current_user.is_authenticated


# The limiter's table of limits is global (one Limiter for every app this process builds,
# e.g. in tests): each limit is declared once, then every app gets the same wrapped view.
_wrapped: dict[str, Callable] = {}
_api_limited: list[bool] = []


def _limited_view(endpoint: str, view: Callable, limits: str, anonymous_only: bool) -> Callable:
    if endpoint not in _wrapped:
        exempt = _is_logged_in if anonymous_only else None
        _wrapped[endpoint] = limiter.limit(limits, methods=["POST"], exempt_when=exempt)(view)
    return _wrapped[endpoint]


def register(app: Flask) -> None:
    trusted = app.config.get("FABLAB_TRUSTED_PROXIES", 0)
    if trusted:
        # Behind a reverse proxy, the client's address and scheme come from its headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    limiter.init_app(app)
    views = app.view_functions
    for table, anonymous_only in ((FORM_LIMITS, False), (ANONYMOUS_LIMITS, True)):
        for endpoint, limits in table.items():
            if endpoint in views:
                views[endpoint] = _limited_view(endpoint, views[endpoint], limits, anonymous_only)
    if not _api_limited:
        _api_limited.append(True)
        limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=api_caller)(
            app.blueprints["api"]
        )
