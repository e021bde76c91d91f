"""``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike, and the single
settings rows created with it (two first uses at once never collide)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fablab.extensions import db

Row = TypeVar("Row")


def dialect_insert(model):
    """The session's dialect's ``insert`` (it has ``on_conflict_do_nothing``)."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def single_row(model: type[Row]) -> Row:
    """The model's one row (id 1), created with its column defaults on first use.

    No cache beyond the session's identity map: a cached row could outlive a rollback.
    """
    row = db.session.get(model, 1)
    if row is None:
        defaults = {
            column.name: column.default.arg
            for column in model.__table__.columns
            if column.default is not None and not callable(column.default.arg)
        }
        db.session.execute(dialect_insert(model).values(id=1, **defaults).on_conflict_do_nothing())
        row = db.session.get(model, 1)
    return row
