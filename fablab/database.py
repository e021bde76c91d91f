"""Engine set-up: on SQLite every transaction takes the write lock up front.

pysqlite's default transaction handling starts a transaction only at the first
write, after the overlap check has read the table, so two requests can both see
a free slot. ``BEGIN IMMEDIATE`` takes the database write lock when the
transaction begins; WAL lets readers go on meanwhile, and the busy timeout
makes a second writer wait instead of failing.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from fablab.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def register_database(app: Flask) -> None:
    with app.app_context():
        configure_sqlite(db.engine)
