"""Configuration read from the environment, with defaults for a small lab."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'fablab.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    FABLAB_TIMEZONE = os.environ.get("FABLAB_TIMEZONE", "Europe/Paris")
    FABLAB_BASE_URL = os.environ.get("FABLAB_BASE_URL", "http://127.0.0.1:5000")

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "fablab@localhost")
    # Without an SMTP server, mails are written to the log (see fablab/mail.py).
    MAIL_BACKEND = "smtp" if MAIL_SERVER else "fablab.mail.LogEmailBackend"

    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    # Each domain keeps its own catalogue (fablab/<domain>/translations); Flask-Babel merges them.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        str(path) for path in sorted((BASE_DIR / "fablab").glob("**/translations"))
    )

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    WTF_CSRF_TIME_LIMIT = None
    PASSWORD_RESET_MAX_AGE = 3600
    WAITLIST_OFFER_MINUTES = int(os.environ.get("WAITLIST_OFFER_MINUTES", "30"))
    USAGE_AUTO_CLOSE_HOURS = int(os.environ.get("USAGE_AUTO_CLOSE_HOURS", "12"))
    USAGE_AUTO_CLOSE_PRINT_HOURS = int(os.environ.get("USAGE_AUTO_CLOSE_PRINT_HOURS", "72"))
    USAGE_OCTOPRINT_DEFAULT_EMAIL = os.environ.get("USAGE_OCTOPRINT_DEFAULT_EMAIL") or None
    # Regional hub: FABLAB_HUB=1 puts the network pages in the main menu.
    FABLAB_HUB = _bool("FABLAB_HUB")
    NETWORK_FETCH_TIMEOUT = float(os.environ.get("NETWORK_FETCH_TIMEOUT", "5"))
    NETWORK_MAX_BYTES = int(os.environ.get("NETWORK_MAX_BYTES", str(2_000_000)))
    # A map on the regional page when a tile server is given ("https://…/{z}/{x}/{y}.png").
    NETWORK_TILE_URL = os.environ.get("NETWORK_TILE_URL", "")
    NETWORK_TILE_ATTRIBUTION = os.environ.get("NETWORK_TILE_ATTRIBUTION", "")
    SCHEDULER_LOCK_FILE = os.environ.get(
        "SCHEDULER_LOCK_FILE", str(INSTANCE_DIR / "scheduler.lock")
    )


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "locmem"
    FABLAB_BASE_URL = "http://localhost"
