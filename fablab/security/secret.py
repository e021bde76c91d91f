"""Refuse to serve with a guessable SECRET_KEY: whoever knows it can forge sessions."""

from __future__ import annotations

from flask import Flask

# Keys that have been public (in this repository or its documentation).
KNOWN_KEYS = frozenset({"dev-only-change-me", "change-me", "secret", "dev", "test-secret"})
MIN_LENGTH = 32


class InsecureSecretKey(RuntimeError):
    """create_app refuses to build an app that signs sessions with a weak key."""


def secret_key_problem(key: object) -> str | None:
    """Why ``key`` cannot sign sessions in production, or None when it can."""
    if not isinstance(key, str | bytes) or not key:
        return "SECRET_KEY is not set"
    if (key.decode(errors="replace") if isinstance(key, bytes) else key) in KNOWN_KEYS:
        return "SECRET_KEY is a public default"
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_LENGTH} characters"
    return None


def check_secret_key(app: Flask) -> None:
    """Outside debug and testing, a default or short key stops the app from starting."""
    if app.debug or app.testing:
        return
    problem = secret_key_problem(app.config.get("SECRET_KEY"))
    if problem:
        raise InsecureSecretKey(
            f"{problem}: anyone could forge sessions. Set SECRET_KEY to a random value of "
            f"{MIN_LENGTH}+ characters, e.g. "
            '`python -c "import secrets; print(secrets.token_urlsafe(48))"` '
            "(`make run` writes one into instance/secret_key)."
        )
