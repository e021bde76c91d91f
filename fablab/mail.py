"""Outgoing e-mail, through the outbox (fablab/outbox).

``queue_mail`` writes the message into the current transaction: it exists
exactly when the change that causes it commits, and the jobs process sends it
(``mail.send_outbox``), retrying when the mail server is down. Nothing is sent
inside a request. ``queue_unrendered`` stores a message to be written at send
time, in the recipient's language, by a renderer its domain registered.

Without MAIL_SERVER, the ``LogEmailBackend`` writes every message to the log
(from the jobs process).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_mailman.backends.base import BaseEmailBackend

from fablab.outbox.rendering import Attachment, RenderedMail, in_locale, register_renderer
from fablab.outbox.services import enqueue

__all__ = [
    "Attachment",
    "LogEmailBackend",
    "RenderedMail",
    "discard_queued_mail",
    "queue_mail",
    "queue_unrendered",
    "register_renderer",
    "render_in_locale",
    "send_queued_mail",
]

log = logging.getLogger("fablab.mail")


class LogEmailBackend(BaseEmailBackend):
    """Writes messages to the application log instead of sending them."""

    def send_messages(self, email_messages):
        for message in email_messages:
            attachments = ", ".join(a[0] for a in message.attachments if isinstance(a, tuple))
            log.info(
                "mail to %s: %s\n%s%s",
                ", ".join(message.to),
                message.subject,
                message.body,
                f"\n[attachments: {attachments}]" if attachments else "",
            )
        return len(email_messages)


def queue_mail(
    to: str, subject: str, body: str, attachments: list[Attachment] | None = None
) -> None:
    """Write a rendered message into the current transaction; the jobs process sends it."""
    enqueue(to=to, subject=str(subject), body=str(body), attachments=attachments)


def queue_unrendered(
    *,
    to: str,
    kind: str,
    params: dict[str, Any],
    locale: str | None = None,
    deadline: datetime | None = None,
) -> None:
    """Write a message the sender renders later with the renderer registered for ``kind``.

    ``params`` must be JSON (ids and the values as of now); ``deadline`` marks a
    time-limited message, which is failed (and its domain told) when it cannot
    be delivered before then.
    """
    enqueue(to=to, kind=kind, params=params, locale=locale, deadline=deadline)


def discard_queued_mail() -> None:
    """Kept for callers of the old API: a rollback now discards the messages with the change."""


def send_queued_mail() -> int:
    """Kept for callers of the old API: the jobs process sends the committed messages."""
    return 0


def render_in_locale(locale: str, render, *args, **kwargs):
    """Render a message in the recipient's language."""
    with in_locale(locale):
        return render(*args, **kwargs)
