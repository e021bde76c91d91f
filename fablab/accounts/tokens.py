"""Secrets: personal API tokens, password-reset tokens, invitation tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from fablab.accounts.models import ApiToken, User
from fablab.extensions import db
from fablab.timeutil import utcnow

TOKEN_PREFIX = "fl_"  # noqa: S105
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def create_api_token(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with the secret, shown only once."""
    secret = TOKEN_PREFIX + new_secret()
    token = ApiToken(
        user=user, name=name.strip()[:100], token_hash=hash_secret(secret), prefix=secret[:10]
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_api_token(*, token: ApiToken, at: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = at or utcnow()
        db.session.flush()


def user_for_api_token(secret: str) -> User | None:
    """The active user owning a valid, unrevoked token, or None.

    Also records when the token was last used (at most once a minute).
    """
    if not secret:
        return None
    if db.session().in_transaction() and _is_sqlite():
        return _lookup_in_session(secret)
    # Read-only API requests never commit, so the last-use time is written by a
    # short transaction of its own, before the request's session starts one.
    now = utcnow()
    token_hash = hash_secret(secret)
    with db.engine.begin() as connection:
        row = connection.execute(
            sa.select(ApiToken.id, ApiToken.user_id, ApiToken.last_used_at).where(
                ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None)
            )
        ).first()
        if row is None:
            return None
        if _stale(row.last_used_at, now):
            connection.execute(
                sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
            )
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def _lookup_in_session(secret: str) -> User | None:
    # On SQLite the open transaction holds the write lock: write through it;
    # the time is kept when the request commits.
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.is_revoked or not token.user.active:
        return None
    if _stale(token.last_used_at, utcnow()):
        token.last_used_at = utcnow()
    return token.user


def _stale(last_used_at: datetime | None, now: datetime) -> bool:
    if last_used_at is None:
        return True
    if last_used_at.tzinfo is None:  # SQLite hands back naive UTC from a raw select
        last_used_at = last_used_at.replace(tzinfo=UTC)
    return now - last_used_at >= LAST_USED_RESOLUTION


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _signup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="signup")


def signup_token(*, email: str, name: str, locale: str, next_url: str | None) -> str:
    """A signed link for finishing a sign-up: it proves the person reads ``email``."""
    return _signup_serializer().dumps({"e": email, "n": name, "l": locale, "x": next_url})


def signup_for_token(token: str) -> dict | None:
    """``{"email", "name", "locale", "next"}`` from a valid sign-up link, or None."""
    try:
        data = _signup_serializer().loads(token, max_age=current_app.config["SIGNUP_LINK_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    return {
        "email": data["e"],
        "name": data.get("n") or "",
        "locale": data.get("l") or "fr",
        "next": data.get("x"),
    }


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def password_reset_token(user: User) -> str:
    # Signing a fragment of the current hash makes the token single-use:
    # once the password changes, the old token no longer matches.
    return _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        return None
    return user
