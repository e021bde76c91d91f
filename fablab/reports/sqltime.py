"""Time arithmetic in SQL that reads the same on SQLite and PostgreSQL.

SQLite keeps instants as naive UTC text and has no interval type; PostgreSQL keeps
``timestamptz``. These small constructs compile to each dialect's own form.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from fablab.db_types import UTCDateTime


class seconds_between(FunctionElement):  # noqa: N801 (an SQL function)
    """Whole seconds from the first instant to the second (rounded)."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return (
        f"CAST(ROUND(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)}))) AS BIGINT)"
    )


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (
        f"CAST(ROUND((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 86400) AS INTEGER)"
    )


class utc_hour(FunctionElement):  # noqa: N801 (an SQL function)
    """The UTC hour an instant falls in, as text ``YYYY-MM-DD HH``."""

    type = sa.String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour)
def _hour_default(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"to_char({compiler.process(value, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


@compiles(utc_hour, "sqlite")
def _hour_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"strftime('%Y-%m-%d %H', {compiler.process(value, **kw)})"


class utc_minute(FunctionElement):  # noqa: N801 (an SQL function)
    """The minute (0–59) of an instant."""

    type = sa.Integer()
    inherit_cache = True
    name = "utc_minute"


@compiles(utc_minute)
def _minute_default(element, compiler, **kw):
    (value,) = list(element.clauses)
    return (
        f"CAST(EXTRACT(MINUTE FROM {compiler.process(value, **kw)} AT TIME ZONE 'UTC') AS INTEGER)"
    )


@compiles(utc_minute, "sqlite")
def _minute_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"CAST(strftime('%M', {compiler.process(value, **kw)}) AS INTEGER)"


def instant(value: datetime):
    """A bound UTC instant, typed so SQLite compares it with stored text."""
    return sa.literal(value, UTCDateTime())


def clipped_seconds(start_col, end_col, start: datetime, end: datetime):
    """Seconds of [start_col, end_col) that fall inside [start, end)."""
    low, high = instant(start), instant(end)
    clipped_start = sa.case((start_col < low, low), else_=start_col)
    clipped_end = sa.case((end_col > high, high), else_=end_col)
    return seconds_between(clipped_start, clipped_end)
