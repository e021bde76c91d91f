"""Gapless document numbers, taken inside the issuing transaction.

PostgreSQL: the counter row is created if missing (``INSERT … ON CONFLICT DO
NOTHING``) then locked with ``SELECT … FOR UPDATE`` until the transaction ends,
so a second issuer waits, then reads the incremented value. A rolled-back
issue rolls its increment back too: no gap. SQLite: every transaction here
starts with ``BEGIN IMMEDIATE`` (fablab/database.py), which holds the database
write lock for the whole transaction and gives the same guarantee.

The ``('chain', 0)`` counter is locked first by every issue: it serialises
issuing, so the hash chain (fablab/billing/chain.py) never forks and its order
is the issue order.
"""

from __future__ import annotations

import sqlalchemy as sa

from fablab.billing.models import DocumentCounter
from fablab.extensions import db
from fablab.upsert import dialect_insert

CHAIN = "chain"


def _ensure_row(doc_type: str, year: int) -> None:
    statement = (
        dialect_insert(DocumentCounter)
        .values(doc_type=doc_type, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["doc_type", "year"])
    )
    db.session.execute(statement)


def _locked_value(doc_type: str, year: int) -> int:
    _ensure_row(doc_type, year)
    return db.session.execute(
        sa.select(DocumentCounter.last_number)
        .where(DocumentCounter.doc_type == doc_type, DocumentCounter.year == year)
        .with_for_update()
    ).scalar_one()


def lock_chain() -> None:
    """Take the issuing lock now, e.g. before reading what is to be billed."""
    _locked_value(CHAIN, 0)


def next_number(doc_type: str, year: int) -> int:
    """Lock the (doc_type, year) counter, add one and return it. Call inside the issuing unit."""
    number = _locked_value(doc_type, year) + 1
    db.session.execute(
        sa.update(DocumentCounter)
        .where(DocumentCounter.doc_type == doc_type, DocumentCounter.year == year)
        .values(last_number=number)
        .execution_options(synchronize_session=False)
    )
    return number


def next_chain_position() -> int:
    """Lock the hash chain (serialises issuing) and return the next position in it."""
    return next_number(CHAIN, 0)


def format_number(prefix: str, year: int, sequence: int) -> str:
    """F-2026-000123."""
    return f"{prefix}-{year}-{sequence:06d}"
