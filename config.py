"""Configuration read from the environment, with defaults for a small lab."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _secret_key() -> str:
    """SECRET_KEY from the environment, else the one `make run` wrote into instance/.

    The public fallback only serves debug runs: create_app refuses it otherwise
    (fablab/security/secret.py).
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = Path(os.environ.get("SECRET_KEY_FILE", INSTANCE_DIR / "secret_key"))
    if key_file.is_file():
        return key_file.read_text().strip()
    return "dev-only-change-me"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'fablab.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    FABLAB_TIMEZONE = os.environ.get("FABLAB_TIMEZONE", "Europe/Paris")
    # The public address (with its path prefix, if any) of every link in mails, feeds and QR
    # codes (fablab/urls.py). Unset: a debug server uses the address it is reached at.
    FABLAB_BASE_URL = os.environ.get("FABLAB_BASE_URL", "")
    # How each interface language writes dates, times and numbers (fablab/formatting.py):
    # English speakers in a French lab expect en-GB (24-hour clock, day before month).
    FABLAB_FORMAT_LOCALE_FR = os.environ.get("FABLAB_FORMAT_LOCALE_FR", "fr_FR")
    FABLAB_FORMAT_LOCALE_EN = os.environ.get("FABLAB_FORMAT_LOCALE_EN", "en_GB")

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
    # "Remember me": a per-login token (accounts.models.User.get_id), 30 days, same flags.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    PASSWORD_RESET_MAX_AGE = 3600
    SIGNUP_LINK_MAX_AGE = 2 * 24 * 3600
    WAITLIST_OFFER_MINUTES = int(os.environ.get("WAITLIST_OFFER_MINUTES", "30"))
    # The outbox (fablab/outbox): how the jobs process sends mail.
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "15"))
    OUTBOX_INTERVAL_SECONDS = int(os.environ.get("OUTBOX_INTERVAL_SECONDS", "5"))
    OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "30"))
    OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "10"))
    OUTBOX_SEND_BUDGET_SECONDS = int(os.environ.get("OUTBOX_SEND_BUDGET_SECONDS", "50"))
    OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "180"))
    USAGE_AUTO_CLOSE_HOURS = int(os.environ.get("USAGE_AUTO_CLOSE_HOURS", "12"))
    USAGE_AUTO_CLOSE_PRINT_HOURS = int(os.environ.get("USAGE_AUTO_CLOSE_PRINT_HOURS", "72"))
    # A member reporting their own start/stop through the API: "now" within this many seconds.
    USAGE_REPORT_TOLERANCE_SECONDS = int(os.environ.get("USAGE_REPORT_TOLERANCE_SECONDS", "60"))
    USAGE_OCTOPRINT_DEFAULT_EMAIL = os.environ.get("USAGE_OCTOPRINT_DEFAULT_EMAIL") or None
    USAGE_LINK_SILENT_MINUTES = int(os.environ.get("USAGE_LINK_SILENT_MINUTES", "15"))
    USAGE_POWER_ON_WATTS = float(os.environ.get("USAGE_POWER_ON_WATTS", "20"))
    USAGE_POWER_MIN_SECONDS = int(os.environ.get("USAGE_POWER_MIN_SECONDS", "60"))
    USAGE_POWER_OFF_GRACE_SECONDS = int(os.environ.get("USAGE_POWER_OFF_GRACE_SECONDS", "120"))
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
    # How often the scheduler checks it still holds its PostgreSQL lock (and retakes it).
    SCHEDULER_LOCK_CHECK_SECONDS = int(os.environ.get("SCHEDULER_LOCK_CHECK_SECONDS", "30"))

    # Rate limits (fablab/security/limits.py). Memory is per process: with several
    # gunicorn workers or hosts, point every one at one Redis (redis://host:6379/0).
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "fablab"
    # Wrong passwords (login and kiosk) per account, and per client address, before a 429.
    # Behind one NAT (the lab's own Wi-Fi) everyone shares an address: raise the second.
    PASSWORD_ATTEMPT_LIMITS = os.environ.get("PASSWORD_ATTEMPT_LIMITS", "10/minute;50/hour")
    PASSWORD_ATTEMPT_ADDRESS_LIMITS = os.environ.get(
        "PASSWORD_ATTEMPT_ADDRESS_LIMITS", "10/minute;50/hour"
    )
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300/minute")
    # Who may frame the machine kiosk pages (every other page: nobody). E.g. "'self' https://signage.example".
    FABLAB_EMBED_ANCESTORS = os.environ.get("FABLAB_EMBED_ANCESTORS", "'self'")
    # Strict-Transport-Security on answers served over HTTPS (0: never).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none, trust nothing).
    FABLAB_TRUSTED_PROXIES = int(os.environ.get("FABLAB_TRUSTED_PROXIES", "0"))


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    MAIL_BACKEND = "locmem"
    FABLAB_BASE_URL = "http://localhost"
