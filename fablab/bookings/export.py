"""The manager's bookings list as CSV, one line at a time (the list may hold years)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from fablab.bookings.models import Reservation
from fablab.timeutil import lab_zone

HEADER = [
    "id",
    "start",
    "end",
    "machine",
    "person",
    "email",
    "company",
    "status",
    "checked_in_at",
    "completed_at",
    "cancelled_at",
    "cancel_reason",
    "note",
]


def _cell(value) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _local(instant) -> str:
    return instant.astimezone(lab_zone()).isoformat(timespec="minutes") if instant else ""


def row_cells(r: Reservation) -> list[str]:
    return [
        str(r.id),
        _local(r.start_at),
        _local(r.end_at),
        _cell(r.machine.name),
        _cell(r.user.name),
        _cell(r.user.email),
        _cell(r.company.legal_name if r.company_id and r.company else ""),
        r.status,
        _local(r.checked_in_at),
        _local(r.completed_at),
        _local(r.cancelled_at),
        _cell(r.cancel_reason),
        _cell(r.note),
    ]


def csv_lines(rows: Iterable[Reservation]) -> Iterator[str]:
    """The header, then one CSV line per booking, in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(HEADER)
    yield flush()
    for count, row in enumerate(rows, 1):
        writer.writerow(row_cells(row))
        if count % 200 == 0:
            yield flush()
    yield flush()
