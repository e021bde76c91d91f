"""Wrong passwords, counted per account and per client address.

Login and the kiosk check-in both verify passwords; both count here, so the
kiosk is no side door. An e-mail without an account counts exactly like one
with an account: the answer never tells them apart.
"""

from __future__ import annotations

import math
import time

from flask import current_app
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many

from fablab.extensions import limiter

NAMESPACE = "password-attempts"


def _keys(email: str) -> list[tuple[str, str, str]]:
    """(scope, value, setting): the account named and the client address."""
    return [
        ("account", (email or "").strip().lower()[:254], "PASSWORD_ATTEMPT_LIMITS"),
        ("address", get_remote_address() or "", "PASSWORD_ATTEMPT_ADDRESS_LIMITS"),
    ]


def _limits(setting: str):
    return parse_many(current_app.config[setting])


def seconds_blocked(email: str) -> int:
    """0 when another try is allowed; else how long this account or address must wait."""
    if not limiter.enabled:
        return 0
    wait = 0.0
    for scope, value, setting in _keys(email):
        for item in _limits(setting):
            if not limiter.limiter.test(item, NAMESPACE, scope, value):
                reset_at = limiter.limiter.get_window_stats(item, NAMESPACE, scope, value)[0]
                wait = max(wait, reset_at - time.time(), 1)
    return math.ceil(wait)


def record_failure(email: str) -> None:
    """Count one wrong password against the account named and the address it came from."""
    if not limiter.enabled:
        return
    for scope, value, setting in _keys(email):
        for item in _limits(setting):
            limiter.limiter.hit(item, NAMESPACE, scope, value)


def too_many_attempts(wait: int) -> str:
    """What the person sees while blocked (the same for every account)."""
    return _(
        "Too many wrong passwords. Try again in %(minutes)d minute(s).",
        minutes=max(1, math.ceil(wait / 60)),
    )
