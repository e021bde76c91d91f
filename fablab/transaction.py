"""The edge commits: one commit per request or job, then queued mail goes out."""

from __future__ import annotations

from fablab.extensions import db
from fablab.mail import discard_queued_mail, send_queued_mail


def commit() -> None:
    """Commit the unit of work, then send the mail it queued."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_queued_mail()
        raise
    send_queued_mail()


def rollback() -> None:
    db.session.rollback()
    discard_queued_mail()
