"""Bulk writes: ``COPY`` on PostgreSQL, chunked ``executemany`` elsewhere; ids given upfront."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from fablab.extensions import db

CHUNK = 5000


def dialect() -> str:
    return db.session.get_bind().dialect.name


def next_id(table: sa.Table) -> int:
    """The first free id of ``table`` (ids are given by the generator, so rows can refer
    to each other before they are written)."""
    return (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1


class Writer:
    """Rows of one table, written in chunks as they come."""

    def __init__(self, table: sa.Table, columns: Sequence[str], *, after: Writer | None = None):
        self.table = table
        self.after = after  # the writer of the rows these refer to: written first
        given = list(columns)
        # COPY applies no Python-side default: give every other defaulted column its value.
        extra = {
            column.name: _default_of(column)
            for column in table.columns
            if column.name not in given and column.default is not None
        }
        self.columns = given + list(extra)
        self.extra = tuple(extra.values())
        self.pending: list[tuple] = []
        self.written = 0

    def add(self, row: tuple) -> None:
        self.pending.append(row + self.extra)
        if len(self.pending) >= CHUNK:
            self.flush()

    def add_all(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.pending:
            return
        if self.after is not None:
            self.after.flush()
        if dialect() == "postgresql":
            self._copy(self.pending)
        else:
            dicts = [dict(zip(self.columns, row, strict=True)) for row in self.pending]
            db.session.execute(self.table.insert(), dicts)
        self.written += len(self.pending)
        self.pending = []

    def _copy(self, rows: list[tuple]) -> None:
        driver = db.session.connection().connection.driver_connection
        names = ", ".join(f'"{name}"' for name in self.columns)
        statement = f'COPY "{self.table.name}" ({names}) FROM STDIN'
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def _default_of(column: sa.Column):
    default = column.default
    if default.is_callable:
        return default.arg({})  # e.g. utcnow: the time of the load
    return default.arg


def reset_sequence(table: sa.Table) -> None:
    """After ids were given explicitly, PostgreSQL's sequence continues after the largest."""
    if dialect() != "postgresql":
        return
    # The table's name comes from our own metadata, never from input.
    statement = (
        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
        f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
    )
    db.session.execute(sa.text(statement))
