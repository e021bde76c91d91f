"""Keyset pages of any long list: an opaque cursor holds the (time, id) of the row a page
continues from, so a page costs the same on the first and the thousandth page, and a row
added meanwhile never shifts another onto two pages.

A list is ordered by a time column and the id (both indexed together, or the time
column alone with the id as tiebreak); newest first by default.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.forms import LARGEST_INTEGER

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidCursor(DomainError):
    status = 422
    code = "invalid"

    def default_message(self):
        return _l("This page link is not valid: start again from the first page.")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row (start_at, id).

    ``start_at`` is the value of the list's time column, whichever it is."""

    start_at: datetime
    id: int
    newest_first: bool = True
    backwards: bool = False

    def encode(self) -> str:
        micros = (self.start_at - EPOCH) // timedelta(microseconds=1)
        flags = ("d" if self.newest_first else "a") + ("p" if self.backwards else "n")
        raw = f"{flags}.{micros}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            flags, micros, row_id = raw.split(".")
            if flags[0] not in "ad" or flags[1] not in "np" or len(flags) != 2:
                raise ValueError(flags)
            start_at = EPOCH + timedelta(microseconds=int(micros))
            if not 0 < int(row_id) <= LARGEST_INTEGER:
                raise ValueError(row_id)
            return cls(start_at, int(row_id), flags[0] == "d", flags[1] == "p")
        except (ValueError, IndexError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursor(field="cursor") from None

    @classmethod
    def from_text(cls, text: str | None) -> Cursor | None:
        """The cursor of a request argument; None for the first page."""
        return cls.decode(text) if text else None


@dataclass
class Page:
    rows: list[Any]
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None


@dataclass(frozen=True)
class Keyset:
    """The order of a list: its time column and its id column, or the id alone (``time`` None:
    a list in the order rows were written, e.g. invoices in issue order)."""

    time: sa.ColumnElement | None
    id: sa.ColumnElement

    def beyond(self, cursor: Cursor, descending: bool) -> sa.ColumnElement[bool]:
        """Rows after the cursor's key in (time, id) order; the first bound lets an index on
        the time column narrow the read."""
        at, row_id = self.time, self.id
        if at is None:
            return row_id < cursor.id if descending else row_id > cursor.id
        if descending:
            return sa.and_(
                at <= cursor.start_at,
                sa.or_(at < cursor.start_at, sa.and_(at == cursor.start_at, row_id < cursor.id)),
            )
        return sa.and_(
            at >= cursor.start_at,
            sa.or_(at > cursor.start_at, sa.and_(at == cursor.start_at, row_id > cursor.id)),
        )

    def order(self, descending: bool) -> list[sa.ColumnElement]:
        columns = (self.id,) if self.time is None else (self.time, self.id)
        return [column.desc() for column in columns] if descending else list(columns)

    def cursor_of(self, row, *, newest_first: bool, backwards: bool) -> Cursor:
        at = EPOCH if self.time is None else getattr(row, self.time.key)
        return Cursor(at, row.id, newest_first, backwards)


def keyset_page(
    query: sa.Select,
    keyset: Keyset,
    *,
    newest_first: bool = True,
    cursor: Cursor | None = None,
    limit: int = 50,
) -> Page:
    """One page of ``query`` (ORM rows with the keyset's attributes) from ``cursor``."""
    if cursor is not None and cursor.newest_first != newest_first:
        raise InvalidCursor(field="cursor")
    backwards = bool(cursor and cursor.backwards)
    descending = newest_first != backwards
    if cursor is not None:
        query = query.where(keyset.beyond(cursor, descending))
    query = query.order_by(None).order_by(*keyset.order(descending)).limit(limit + 1)
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = True if backwards else more
    has_previous = more if backwards else cursor is not None
    page = Page(rows)
    if rows and has_next:
        page.next_cursor = keyset.cursor_of(rows[-1], newest_first=newest_first, backwards=False)
    if rows and has_previous:
        page.previous_cursor = keyset.cursor_of(rows[0], newest_first=newest_first, backwards=True)
    return page


def count_rows(query: sa.Select, id_column: sa.ColumnElement, *, cap: int | None = None) -> int:
    """How many rows ``query`` gives, reading at most ``cap + 1`` of them when capped."""
    inner = query.with_only_columns(id_column).order_by(None)
    if cap is not None:
        inner = inner.limit(cap + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner.subquery())) or 0
