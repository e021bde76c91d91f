"""Outgoing e-mail. Messages are queued during a request and sent after commit.

Without MAIL_SERVER, the ``LogEmailBackend`` writes every message to the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app, g
from flask_babel import force_locale
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

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


@dataclass
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str


@dataclass
class OutgoingMail:
    to: str
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


def queue_mail(
    to: str, subject: str, body: str, attachments: list[Attachment] | None = None
) -> None:
    """Queue a message to be sent once the current request or job has committed.

    The subject is folded onto one line: a name typed with CR/LF (a company's, a
    person's) must neither inject a header nor make sending fail after the commit.
    """
    subject = " ".join(str(subject).split())
    g.setdefault("outgoing_mail", []).append(OutgoingMail(to, subject, body, attachments or []))


def discard_queued_mail() -> None:
    g.pop("outgoing_mail", None)


def send_queued_mail() -> int:
    """Send what was queued. Call after a successful commit."""
    queued: list[OutgoingMail] = g.pop("outgoing_mail", [])
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    for item in queued:
        message = EmailMessage(item.subject, item.body, sender, [item.to])
        for attachment in item.attachments:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            message.send()
        except OSError:
            # A mail server that is down must not undo what was committed.
            log.exception("could not send mail to %s", item.to)
    return len(queued)


def render_in_locale(locale: str, render, *args, **kwargs):
    """Render a message in the recipient's language."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render(*args, **kwargs)
