"""Long lists of bookings: keyset pages, cheap totals, the whole list in batches, people search.

Pages are fablab/paging.py keyset pages on (start_at, id).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fablab.accounts.models import Company, User
from fablab.accounts.services import search_users
from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from fablab.bookings.queries import filtered_reservations, with_people_and_machines
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.paging import Cursor, InvalidCursor, Keyset, Page, count_rows, keyset_page

PEOPLE_SHOWN = 20
KEYSET = Keyset(Reservation.start_at, Reservation.id)

# Re-exported: the bookings pages and the API take their cursors from here.
__all__ = [
    "Cursor",
    "InvalidCursor",
    "Page",
    "count_of",
    "export_rows",
    "find_person",
    "page_of",
    "people",
]


def _beyond(cursor: Cursor, descending: bool) -> sa.ColumnElement[bool]:
    return KEYSET.beyond(cursor, descending)


def page_of(
    query: sa.Select, *, newest_first: bool = True, cursor: Cursor | None = None, limit: int = 50
) -> Page:
    """One page of ``query`` (reservations) in (start_at, id) order, from ``cursor``."""
    return keyset_page(
        with_people_and_machines(query),
        KEYSET,
        newest_first=newest_first,
        cursor=cursor,
        limit=limit,
    )


def count_of(query: sa.Select, *, cap: int | None = None) -> int:
    """How many rows ``query`` gives, reading at most ``cap + 1`` of them when capped."""
    return count_rows(query, Reservation.id, cap=cap)


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


# -- my bookings --------------------------------------------------------------------


@dataclass
class MyBookings:
    upcoming: list[Reservation]
    past: Page
    past_total: int


def my_bookings(
    *, viewer: User, now: datetime, cursor: Cursor | None = None, limit: int = 50
) -> MyBookings:
    """A person's bookings (a company contact's: the company's too): every upcoming one,
    and one page of the past and cancelled ones, newest first (a manager sees their own)."""
    own = filtered_reservations(viewer=viewer, user_id=viewer.id if viewer.is_manager else None)
    ahead = sa.and_(Reservation.status.in_(ACTIVE_STATUSES), Reservation.end_at > now)
    upcoming = db.session.scalars(
        with_people_and_machines(own.where(ahead)).order_by(Reservation.start_at, Reservation.id)
    )
    past = own.where(sa.not_(ahead))
    page = page_of(past, cursor=cursor, limit=limit)
    return MyBookings(list(upcoming), page, count_of(past))
