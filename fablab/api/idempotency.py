"""``Idempotency-Key`` on the API's POST routes.

A client whose connection broke after a POST cannot know whether it was
applied. It sends the same request again with the same key: the first answer
comes back (``Idempotent-Replayed: true``) and nothing is created twice.

The key row is added before the view runs, so the view's one commit stores it
with the work; the answer is recorded right after. A request that commits
nothing (refused, failed) leaves no key behind and may be retried as new.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app, g, has_request_context, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from fablab.api.helpers import InvalidInput
from fablab.api.models import IdempotencyKey
from fablab.extensions import db
from fablab.timeutil import utcnow

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
_PENDING = "idempotency_row"
_COMMITTED = "idempotency_committed"


def caller_identity() -> str:
    """The same caller whether it authenticates by token or by session cookie."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    device = request.headers.get("X-Device-Token")
    if device:
        return "device:" + hashlib.sha256(device.encode()).hexdigest()[:40]
    return f"address:{request.remote_addr or ''}"[:80]


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _find(caller: str, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        sa.select(IdempotencyKey).where(IdempotencyKey.caller == caller, IdempotencyKey.key == key)
    )


def _replay(row: IdempotencyKey, fingerprint: str):
    if row.fingerprint != fingerprint:
        raise InvalidInput(_("This Idempotency-Key was already used for another request."))
    if row.status_code is None:
        answer = jsonify(
            error="conflict",
            message=_("A request with this Idempotency-Key is being processed. Retry shortly."),
        )
        return answer, 409, {"Retry-After": "1"}
    return Response(
        row.response_body,
        status=row.status_code,
        mimetype=row.response_type or "application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _read_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidInput(_("Idempotency-Key must be 1 to 255 printable characters."))
    return key


def claim_key():
    """Before a POST: answer from a stored key, or claim the key for this request."""
    if request.method != "POST":
        return None
    key = _read_key()
    if key is None:
        return None
    caller, fingerprint = caller_identity(), _fingerprint()
    row = _find(caller, key)
    if row is not None and row.created_at < utcnow() - KEPT:
        db.session.delete(row)
        db.session.flush()
        row = None
    if row is not None:
        return _replay(row, fingerprint)
    row = IdempotencyKey(caller=caller, key=key, fingerprint=fingerprint)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same key, sent twice at once: the other one won
        return _replay(_find(caller, key), fingerprint)
    g.setdefault(_PENDING, row)
    return None


def record_answer(response: Response) -> Response:
    """After the view: keep the answer when the key was committed with the work."""
    row = g.pop(_PENDING, None)
    if row is None:
        return response
    if not g.pop(_COMMITTED, False):
        db.session.rollback()  # nothing was committed: neither is the key
        return response
    try:
        if sa.inspect(row).transient:  # the view rolled back, then committed its work
            db.session.add(row)
        row.status_code = response.status_code
        row.response_body = response.get_data(as_text=True)
        row.response_type = response.mimetype or ""
        db.session.commit()
    except SQLAlchemyError:
        # The work is committed; a retry gets 409 "being processed" rather than a duplicate.
        db.session.rollback()
        current_app.logger.exception("could not record the answer to an Idempotency-Key")
    return response


@event.listens_for(Session, "after_commit")
def _note_commit(session) -> None:
    if has_request_context() and g.get(_PENDING) is not None:
        g.setdefault(_COMMITTED, True)
