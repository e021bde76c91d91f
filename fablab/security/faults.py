"""Faults that must not look like bugs: an unreachable database is a 503, not a 500.

While PostgreSQL restarts (or the SQLite file cannot be opened) every request
answers 503 with ``Retry-After``; the pool's pre-ping drops dead connections so
the first request after the restart works again. The probes ``/healthz`` and
``/readyz`` are in ``fablab.health``.
"""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, jsonify, render_template
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError, SQLAlchemyError

from fablab.errors import wants_json
from fablab.extensions import db

RETRY_AFTER_SECONDS = 5


def _unavailable(error: Exception):
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0])
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    message = _("The lab's database is unavailable for a moment. Please try again shortly.")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json():
        return jsonify({"error": "unavailable", "message": message}), 503, headers
    try:
        page = render_template("error.html", status=503, message=message)
    except SQLAlchemyError:  # the page itself needed the database (the lab's name)
        page = message
    return page, 503, headers


def _disconnected(error: DBAPIError):
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return _unavailable(error)
    raise error


def _discard_session(_error: BaseException | None) -> None:
    """End the request's session even when its connection died with the database.

    Registered after Flask-SQLAlchemy's own teardown, so it runs first: a ROLLBACK
    on a dead connection would otherwise raise after the answer was chosen, and the
    server would turn it into a 500.
    """
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        current_app.logger.warning("session discarded: %s", str(error).splitlines()[0])
        with contextlib.suppress(Exception):
            db.session.registry.clear()


def register(app: Flask) -> None:
    app.teardown_appcontext(_discard_session)
    app.register_error_handler(OperationalError, _unavailable)
    app.register_error_handler(PendingRollbackError, _unavailable)
    app.register_error_handler(DBAPIError, _disconnected)
