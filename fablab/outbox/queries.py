"""What the manager's mail page and a person's own list show."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.extensions import db
from fablab.outbox.models import MessageStatus, OutboxMessage

PAGE_SIZE = 50


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id)).group_by(
            OutboxMessage.status
        )
    )
    counts = {status.value: 0 for status in MessageStatus}
    counts.update({status: count for status, count in rows})
    return counts


def messages(*, status: str | None = None, recipient: str | None = None, page: int = 1):
    """Newest first, optionally one status and an address containing ``recipient``."""
    query = sa.select(OutboxMessage)
    if status in {s.value for s in MessageStatus}:
        query = query.where(OutboxMessage.status == status)
    if recipient:
        pattern = (
            "%"
            + recipient.strip()
            .lower()
            .replace("\\", "\\\\")
            .replace("%", "\\%")
            .replace("_", "\\_")
            + "%"
        )
        query = query.where(sa.func.lower(OutboxMessage.recipient).like(pattern, escape="\\"))
    query = (
        query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    found = list(db.session.scalars(query))
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


def messages_to(email: str, *, limit: int = 100) -> list[OutboxMessage]:
    """The mails written to one address, newest first."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(sa.func.lower(OutboxMessage.recipient) == email.lower())
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )
