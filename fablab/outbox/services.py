"""The outbox's services: write a message with the change, claim due ones, deliver, resend.

Services only flush; the caller (request, job, CLI) commits. ``send_due`` in
jobs.py is the edge that commits between the claim, each send and its result,
so no database lock is held while talking to the mail server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.outbox.delivery import SendFailure, send_email
from fablab.outbox.models import MessageStatus, OutboxMessage
from fablab.outbox.rendering import (
    Attachment,
    NotRenderable,
    RenderedMail,
    attachments_from_json,
    attachments_to_json,
    render,
)
from fablab.timeutil import utcnow

log = logging.getLogger("fablab.outbox")

_signals = Namespace()
#: Sent (sender: the message) when a message with a deadline could not be delivered
#: in time, or failed for good: the domain that wrote it passes its offer on.
message_undeliverable = _signals.signal("outbox.message-undeliverable")

STALE_CLAIM = timedelta(minutes=10)


class OutboxError(DomainError):
    status = 409
    code = "outbox"


def enqueue(
    *,
    to: str,
    subject: str | None = None,
    body: str | None = None,
    attachments: list[Attachment] | None = None,
    kind: str | None = None,
    params: dict[str, Any] | None = None,
    locale: str | None = None,
    deadline: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the current transaction: it exists exactly when the change commits."""
    now = utcnow()
    message = OutboxMessage(
        recipient=to,
        subject=subject,
        body=body,
        attachments=attachments_to_json(attachments or []) or None,
        kind=kind,
        params=params,
        locale=locale,
        deadline_at=deadline,
        status=MessageStatus.PENDING.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    return message


def claim_due(
    *,
    now: datetime,
    limit: int = 20,
    ignore_retry_times: bool = False,
    exclude: set[int] | None = None,
) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages as being sent by this sender, and return them.

    PostgreSQL: the candidate rows are locked with SKIP LOCKED, so two senders
    take different rows. Everywhere: the update only takes rows still pending,
    so a row is claimed by one sender even when both saw it.
    """
    _release_stale_claims(now)
    query = sa.select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.PENDING.value)
    if not ignore_retry_times:
        query = query.where(OutboxMessage.next_attempt_at <= now)
    if exclude:
        query = query.where(OutboxMessage.id.not_in(exclude))
    query = query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if not ids:
        return []
    token = uuid4().hex
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == MessageStatus.PENDING.value)
        .values(
            status=MessageStatus.SENDING.value,
            claim_token=token,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        ),
        execution_options={"synchronize_session": False},
    )
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.claim_token == token)
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def _release_stale_claims(now: datetime) -> None:
    """A sender that died mid-send left its claim: the message goes back in line."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.SENDING.value,
            OutboxMessage.claimed_at < now - STALE_CLAIM,
        )
        .values(status=MessageStatus.PENDING.value, claim_token=None),
        execution_options={"synchronize_session": False},
    )


def deliver(*, message: OutboxMessage, now: datetime) -> str:
    """Render (if needed) and send one claimed message; record the outcome. Returns the status."""
    if message.deadline_at is not None and message.deadline_at <= now:
        return _give_up(message, _("Not delivered before its deadline."), now)
    try:
        mail = _rendered(message)
    except NotRenderable as error:
        return _give_up(message, _("Could not be written: %(reason)s", reason=str(error)), now)
    except Exception as error:  # noqa: BLE001  (a renderer's bug fails its message, not the job)
        log.exception("could not render outbox message %s", message.id)
        return _give_up(message, _("Could not be written: %(reason)s", reason=repr(error)), now)
    try:
        send_email(to=message.recipient, mail=mail)
    except SendFailure as failure:
        if failure.temporary:
            return _retry_later(message, failure.reason, now)
        return _give_up(message, failure.reason, now)
    except Exception as error:  # noqa: BLE001  (e.g. a header the mail library refuses)
        log.exception("could not send outbox message %s", message.id)
        return _give_up(message, repr(error), now)
    message.status = MessageStatus.SENT.value
    message.sent_at = now
    message.claim_token = None
    message.last_error = None
    db.session.flush()
    return message.status


def _rendered(message: OutboxMessage) -> RenderedMail:
    if message.kind is None:
        return RenderedMail(
            message.subject or "", message.body or "", attachments_from_json(message.attachments)
        )
    mail = render(kind=message.kind, params=message.params or {}, locale=message.locale)
    # Kept for the manager's page and the recipient's list (attachments are not).
    message.subject, message.body = mail.subject, mail.body
    return mail


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off: base, 2×base, 4×base… capped."""
    base = current_app.config["OUTBOX_RETRY_BASE_SECONDS"]
    cap = current_app.config["OUTBOX_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def _retry_later(message: OutboxMessage, reason: str, now: datetime) -> str:
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        return _give_up(
            message,
            _("Gave up after %(n)d attempts: %(reason)s", n=message.attempts, reason=reason),
            now,
        )
    next_attempt = now + retry_delay(message.attempts)
    if message.deadline_at is not None and next_attempt >= message.deadline_at:
        return _give_up(
            message, _("Not delivered before its deadline: %(reason)s", reason=reason), now
        )
    message.status = MessageStatus.PENDING.value
    message.next_attempt_at = next_attempt
    message.claim_token = None
    message.last_error = reason
    db.session.flush()
    return message.status


def _give_up(message: OutboxMessage, reason: str, now: datetime) -> str:
    message.status = MessageStatus.FAILED.value
    message.claim_token = None
    message.last_error = str(reason)
    db.session.flush()
    if message.deadline_at is not None:
        message_undeliverable.send(message, now=now)
    return message.status


def resend(*, message: OutboxMessage) -> OutboxMessage:
    """Send a sent or failed message again (a new row: the history stays)."""
    if not message.can_be_resent:
        raise OutboxError(_("This message is still waiting to be sent."))
    if message.deadline_at is not None and message.deadline_at <= utcnow():
        raise OutboxError(_("This message was only valid until its deadline, which has passed."))
    copy = enqueue(
        to=message.recipient,
        subject=message.subject if message.kind is None else None,
        body=message.body if message.kind is None else None,
        attachments=attachments_from_json(message.attachments),
        kind=message.kind,
        params=message.params,
        locale=message.locale,
        deadline=message.deadline_at,
    )
    db.session.flush()
    return copy


def purge_sent(*, now: datetime) -> int:
    """Forget sent messages older than OUTBOX_KEEP_DAYS (they hold personal data); failed stay."""
    cutoff = now - timedelta(days=current_app.config["OUTBOX_KEEP_DAYS"])
    result = db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.SENT.value, OutboxMessage.sent_at < cutoff
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0
