"""Long lists of bookings: keyset pages, cheap totals, the whole list in batches, people search.

A page is addressed by an opaque cursor holding the (start_at, id) of the row it
continues from, so a page costs the same on the first and the thousandth page
and a booking added meanwhile never shifts a row onto two pages.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from fablab.accounts.models import Company, User
from fablab.accounts.services import search_users
from fablab.bookings.models import Reservation
from fablab.bookings.queries import with_people_and_machines
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.forms import LARGEST_INTEGER
from fablab.machines.models import Machine

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PEOPLE_SHOWN = 20


class InvalidCursor(DomainError):
    status = 422
    code = "invalid"

    def default_message(self):
        return _l("This page link is not valid: start again from the first page.")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row (start_at, id)."""

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
    def of(cls, row: Reservation, *, newest_first: bool, backwards: bool) -> Cursor:
        return cls(row.start_at, row.id, newest_first, backwards)


@dataclass
class Page:
    rows: list[Reservation]
    next_cursor: Cursor | None = None
    previous_cursor: Cursor | None = None


def _beyond(cursor: Cursor, descending: bool) -> sa.ColumnElement[bool]:
    """Rows after the cursor's key in the (start_at, id) order, the index narrowing by time."""
    start, row_id = Reservation.start_at, Reservation.id
    if descending:
        return sa.and_(
            start <= cursor.start_at,
            sa.or_(start < cursor.start_at, sa.and_(start == cursor.start_at, row_id < cursor.id)),
        )
    return sa.and_(
        start >= cursor.start_at,
        sa.or_(start > cursor.start_at, sa.and_(start == cursor.start_at, row_id > cursor.id)),
    )


def page_of(
    query: sa.Select, *, newest_first: bool = True, cursor: Cursor | None = None, limit: int = 50
) -> Page:
    """One page of ``query`` (reservations) in (start_at, id) order, from ``cursor``."""
    if cursor is not None and cursor.newest_first != newest_first:
        raise InvalidCursor(field="cursor")
    backwards = bool(cursor and cursor.backwards)
    descending = newest_first != backwards
    if cursor is not None:
        query = query.where(_beyond(cursor, descending))
    columns = (Reservation.start_at, Reservation.id)
    order = [column.desc() for column in columns] if descending else list(columns)
    query = with_people_and_machines(query).order_by(*order).limit(limit + 1)
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = True if backwards else more
    has_previous = more if backwards else cursor is not None
    page = Page(rows)
    if rows and has_next:
        page.next_cursor = Cursor.of(rows[-1], newest_first=newest_first, backwards=False)
    if rows and has_previous:
        page.previous_cursor = Cursor.of(rows[0], newest_first=newest_first, backwards=True)
    return page


def count_of(query: sa.Select, *, cap: int | None = None) -> int:
    """How many rows ``query`` gives, reading at most ``cap + 1`` of them when capped."""
    inner = query.with_only_columns(Reservation.id).order_by(None)
    if cap is not None:
        inner = inner.limit(cap + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(inner.subquery())) or 0


def export_rows(query: sa.Select, *, batch: int = 2000) -> Iterator[sa.Row]:
    """Every row of ``query`` newest first, as plain rows with the machine's and person's
    names (no ORM objects: an export may hold years), read one keyset batch at a time."""
    query = (
        query.with_only_columns(
            Reservation.id,
            Reservation.start_at,
            Reservation.end_at,
            Reservation.status,
            Reservation.checked_in_at,
            Reservation.completed_at,
            Reservation.cancelled_at,
            Reservation.cancel_reason,
            Reservation.note,
            Machine.name.label("machine"),
            User.name.label("person"),
            User.email,
            Company.legal_name.label("company"),
            maintain_column_froms=False,
        )
        .select_from(Reservation)
        .join(Machine, Reservation.machine_id == Machine.id)
        .join(User, Reservation.user_id == User.id)
        .outerjoin(Company, Reservation.company_id == Company.id)
        .order_by(Reservation.start_at.desc(), Reservation.id.desc())
        .limit(batch)
    )
    cursor = None
    while True:
        page = query if cursor is None else query.where(_beyond(cursor, descending=True))
        rows = db.session.execute(page).all()
        yield from rows
        if len(rows) < batch:
            return
        cursor = Cursor(rows[-1].start_at, rows[-1].id)


# -- people -----------------------------------------------------------------------

_BRACKETED_EMAIL = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")


def _email_in(text: str) -> str | None:
    """The e-mail in "Name <email>" (what the type-ahead fills in) or a bare e-mail."""
    found = _BRACKETED_EMAIL.search(text)
    if found:
        return found.group(1).lower()
    if "@" in text and " " not in text:
        return text.lower()
    return None


@dataclass
class PersonSearch:
    """What a typed name or e-mail designates: one person, several, or nobody."""

    text: str
    person: User | None = None
    matches: list[User] = field(default_factory=list)
    more: bool = False
    ids: sa.Select | None = None

    @property
    def found_nobody(self) -> bool:
        return bool(self.text) and self.person is None and not self.matches


def find_person(text: str, *, active_only: bool = False) -> PersonSearch:
    """Resolve what a manager typed: an e-mail, "Name <email>", or part of a name or e-mail."""
    text = (text or "").strip()[:200]
    if not text:
        return PersonSearch(text="")
    active = "yes" if active_only else ""
    email = _email_in(text)
    if email is not None:
        query = sa.select(User).where(sa.func.lower(User.email) == email)
        if active_only:
            query = query.where(User.active)
        person = db.session.scalars(query).first()
        if person is not None:
            return PersonSearch(text=text, person=person, matches=[person])
    fragment = email or text
    query = search_users(text=fragment, active=active)
    matches = list(db.session.scalars(query.limit(PEOPLE_SHOWN + 1)))
    search = PersonSearch(text=text, matches=matches[:PEOPLE_SHOWN])
    search.more = len(matches) > PEOPLE_SHOWN
    if len(matches) == 1:
        search.person = matches[0]
    elif matches:
        search.ids = query.with_only_columns(User.id).order_by(None).correlate(None)
    return search


def people(text: str, *, limit: int = 10, active_only: bool = True) -> list[User]:
    """People whose name or e-mail contains ``text`` (for the type-ahead)."""
    query = search_users(text=text, active="yes" if active_only else "")
    return list(db.session.scalars(query.options(selectinload(User.company)).limit(limit)))
