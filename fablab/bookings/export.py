"""The manager's bookings list as CSV, one line at a time (the list may hold years)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from fablab.machines.zone import lab_zone

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


def row_cells(row, zone) -> list[str]:
    """One booking (a row of ``listing.export_rows``) as CSV cells, times in the lab's zone."""

    def local(instant) -> str:
        return instant.astimezone(zone).isoformat(timespec="minutes") if instant else ""

    return [
        str(row.id),
        local(row.start_at),
        local(row.end_at),
        _cell(row.machine),
        _cell(row.person),
        _cell(row.email),
        _cell(row.company),
        row.status,
        local(row.checked_in_at),
        local(row.completed_at),
        local(row.cancelled_at),
        _cell(row.cancel_reason),
        _cell(row.note),
    ]


def csv_lines(rows: Iterable) -> Iterator[str]:
    """The header, then one CSV line per booking, in the order given."""
    zone = lab_zone()
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
        writer.writerow(row_cells(row, zone))
        if count % 200 == 0:
            yield flush()
    yield flush()
