"""Long lists of usage sessions: keyset pages (fablab/paging.py), totals, the whole list as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.zone import lab_zone
from fablab.paging import Cursor, Keyset, Page, count_rows, keyset_page
from fablab.usage.models import UsageSession

KEYSET = Keyset(UsageSession.started_at, UsageSession.id)
COUNT_CAP = 10_000
CSV_HEADER = [
    "id",
    "start",
    "end",
    "machine",
    "person",
    "email",
    "company",
    "source",
    "status",
    "material_quantity",
    "material_unit",
    "file",
    "charged_at",
]


def sessions_page(query: sa.Select, *, cursor: Cursor | None, limit: int = 50) -> Page:
    """One page of ``fablab.usage.services.sessions_query``, newest first."""
    return keyset_page(query, KEYSET, cursor=cursor, limit=limit)


def sessions_total(query: sa.Select, *, exact: bool) -> int:
    """How many sessions the list holds; counted up to COUNT_CAP + 1 unless ``exact``."""
    return count_rows(query, UsageSession.id, cap=None if exact else COUNT_CAP)


def _export_rows(query: sa.Select, batch: int) -> Iterator[sa.Row]:
    query = (
        query.with_only_columns(
            UsageSession.id,
            UsageSession.started_at,
            UsageSession.ended_at,
            Machine.name.label("machine"),
            User.name.label("person"),
            User.email,
            Company.legal_name.label("company"),
            UsageSession.source,
            UsageSession.status,
            UsageSession.consumable_quantity_milli,
            UsageSession.consumable_unit,
            UsageSession.file_name,
            UsageSession.charged_at,
            maintain_column_froms=False,
        )
        .select_from(UsageSession)
        .join(Machine, UsageSession.machine_id == Machine.id)
        .join(User, UsageSession.user_id == User.id)
        .outerjoin(Company, UsageSession.company_id == Company.id)
        .order_by(None)
        .order_by(*KEYSET.order(descending=True))
        .limit(batch)
    )
    cursor = None
    while True:
        page = query if cursor is None else query.where(KEYSET.beyond(cursor, descending=True))
        rows = db.session.execute(page).all()
        yield from rows
        if len(rows) < batch:
            return
        cursor = Cursor(rows[-1].started_at, rows[-1].id)


def _cell(value) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(query: sa.Select, *, batch: int = 2000) -> Iterator[str]:
    """The whole filtered list as CSV lines, read one keyset batch at a time."""
    zone = lab_zone()
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def local(instant) -> str:
        return instant.astimezone(zone).isoformat(timespec="minutes") if instant else ""

    writer.writerow(CSV_HEADER)
    for row in _export_rows(query, batch):
        writer.writerow(
            [row.id, local(row.started_at), local(row.ended_at), _cell(row.machine)]
            + [_cell(row.person), _cell(row.email), _cell(row.company), row.source, row.status]
            + [f"{row.consumable_quantity_milli / 1000:g}", row.consumable_unit]
            + [_cell(row.file_name), local(row.charged_at)]
        )
        if buffer.tell() > 32_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
