"""Probes for a load balancer or an orchestrator: ``/healthz`` and ``/readyz``.

``/healthz`` answers as long as the process serves requests (it never touches the
database, so a database outage does not make every worker look dead and get
restarted). ``/readyz`` answers 200 only when the database is reachable and its
schema is at the migrations' head(s); otherwise 503 with a JSON reason, so a
host that was deployed before ``flask db upgrade`` ran gets no traffic yet. Its
answer also says when the jobs process last ran a job (``scheduler``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from fablab import heartbeat
from fablab.database import use_deferred_transactions
from fablab.extensions import db

bp = Blueprint("health", __name__)

_HEADS_KEY = "fablab.migration_heads"
# Alembic's own record of the revision(s) a database is at.
_VERSIONS = sa.table("alembic_version", sa.column("version_num"))


def expected_heads() -> frozenset[str]:
    """The revision(s) at the head of the migration scripts (read once per process)."""
    heads = current_app.extensions.get(_HEADS_KEY)
    if heads is None:
        config = current_app.extensions["migrate"].migrate.get_config()
        heads = frozenset(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions[_HEADS_KEY] = heads
    return heads


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


def _unready(reason: str, message: str, **details):
    body = {"status": "unavailable", "error": reason, "message": message, **details}
    return _no_store(jsonify(body)), 503


def _current_heads(connection: sa.Connection) -> frozenset[str]:
    """The revision(s) the database is at; none when it was never migrated."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return frozenset()
    return frozenset(connection.scalars(sa.select(_VERSIONS.c.version_num)))


@bp.get("/readyz")
def readyz():
    use_deferred_transactions()  # SQLite: a probe never queues behind writers for the lock
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = _current_heads(connection)
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("readyz: database unreachable: %s", error)
        return _unready("database_unreachable", "The database cannot be reached.")
    expected = expected_heads()
    if current != expected:
        return _unready(
            "migrations_pending",
            "The database schema is not at the migrations' head: run flask db upgrade.",
            current=sorted(current),
            expected=sorted(expected),
        )
    return _no_store(jsonify(status="ok", revision=sorted(current), scheduler=_scheduler()))


def _scheduler() -> dict | None:
    """When the jobs process last ran (shown, never a reason to be unready: the web
    serves without it)."""
    try:
        return heartbeat.last_run()
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("readyz: no scheduler heartbeat: %s", error)
        return None
