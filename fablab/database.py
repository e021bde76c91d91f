"""Engine set-up: on SQLite every transaction takes the write lock up front.

pysqlite's default transaction handling starts a transaction only at the first
write, after the overlap check has read the table, so two requests can both see
a free slot. ``BEGIN IMMEDIATE`` takes the database write lock when the
transaction begins; WAL lets readers go on meanwhile, and the busy timeout
makes a second writer wait instead of failing.
"""

from __future__ import annotations

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

from fablab.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Set on ``g`` in an app context that only looks (tests, read-only tools): its
# transactions start deferred, so its reads never hold the write lock.
DEFERRED_BEGIN_FLAG = "sqlite_deferred_begin"


def use_deferred_transactions() -> None:
    """Make this app context's SQLite transactions deferred (for readers)."""
    g.setdefault(DEFERRED_BEGIN_FLAG, True)


def _begin_statement() -> str:
    if has_app_context() and g.get(DEFERRED_BEGIN_FLAG):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())


def register_database(app: Flask) -> None:
    with app.app_context():
        configure_sqlite(db.engine)
