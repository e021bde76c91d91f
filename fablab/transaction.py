"""The edge commits: one commit per request or job.

Mail is written into the outbox inside the same transaction (fablab/mail.py),
so it is committed or rolled back with the change; the jobs process sends it.
"""

from __future__ import annotations

from fablab.extensions import db


def commit() -> None:
    """Commit the unit of work (and the mail it wrote into the outbox)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def rollback() -> None:
    db.session.rollback()
