"""Flask-Login wiring and access helpers (load-and-authorise)."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user

from fablab.accounts.models import User
from fablab.extensions import db, login_manager

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session or remember cookie, while that cookie's version is current."""
    user_id, version, nonce = (str(session_id).split(":") + ["", "", ""])[:3]
    if not (user_id.isdigit() and version.isdigit() and nonce) or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    user._login_nonce = nonce
    return user


def bearer_token() -> str | None:
    """The secret of an ``Authorization: Bearer …`` header, if the request has one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@login_manager.request_loader
def load_user_from_bearer(request) -> User | None:
    from fablab.accounts.tokens import user_for_api_token

    secret = bearer_token()
    if secret is None:
        return None
    return user_for_api_token(secret)


def start_session(user: User, *, remember: bool = False) -> bool:
    """Log ``user`` in with cookies of their own (a new nonce, the current version)."""
    user._login_nonce = None
    return login_user(user, remember=remember)


def manager_required(view):
    """Only managers and admins; others get 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_manager:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
