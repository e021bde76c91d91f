"""Rate limits: one table of what is limited, applied to the registered views.

Anonymous forms that send mail or check a password are limited per address;
the API per caller. Wrong passwords also count per account (see ``attempts``).
"""

from __future__ import annotations

import hashlib

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


def register(app: Flask) -> None:
    trusted = app.config.get("FABLAB_TRUSTED_PROXIES", 0)
    if trusted:
        # Behind a reverse proxy, the client's address and scheme come from its headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    limiter.init_app(app)
    views = app.view_functions
    for endpoint, limits in FORM_LIMITS.items():
        views[endpoint] = limiter.limit(limits, methods=["POST"])(views[endpoint])
    for endpoint, limits in ANONYMOUS_LIMITS.items():
        if endpoint in views:
            views[endpoint] = limiter.limit(limits, methods=["POST"], exempt_when=_is_logged_in)(
                views[endpoint]
            )
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=api_caller)(
        app.blueprints["api"]
    )
