"""The API blueprint, defined once; the route modules import it (``fablab.api`` imports
them so that their routes are registered)."""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import bearer_token
from fablab.api.helpers import Unauthorized
from fablab.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def authenticate_bearer():
    """A Bearer token, when sent, alone decides who calls: a bad one is a 401 even
    beside a session cookie (which would otherwise act, and skip the CSRF check)."""
    from fablab.accounts.tokens import user_for_api_token

    secret = bearer_token()
    if secret is None:
        return
    user = user_for_api_token(secret)
    if user is None:
        raise Unauthorized(_("This API token is not valid (unknown, revoked or deactivated)."))
    g._login_user = user  # Flask-Login's current user for this request


@bp.before_request
def protect_session_writes():
    # A Bearer token is not sent by browsers on their own, so it needs no CSRF
    # token; a session cookie is, so unsafe methods must carry X-CSRFToken.
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and bearer_token() is None and current_user.is_authenticated:
        csrf.protect()


def register_idempotency() -> None:
    from fablab.api.idempotency import claim_key, record_answer

    # After the CSRF check above: a replay is answered only to a request allowed to write.
    bp.before_request(claim_key)
    bp.after_request(record_answer)


register_idempotency()
