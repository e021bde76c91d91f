"""Security steps of the app factory.

``create_app`` checks the secret key first (before anything else is built),
then calls ``register_security(app)`` once the blueprints are registered; each
concern lives in its own module of this package.
"""

from __future__ import annotations

from flask import Flask

from fablab.security.secret import check_secret_key

__all__ = ["check_secret_key", "register_security"]


def register_security(app: Flask) -> None:
    """Headers, rate limits and session rules for every answer."""
    from fablab.security import bodies, faults, headers, limits

    bodies.register(app)
    faults.register(app)
    headers.register(app)
    limits.register(app)
