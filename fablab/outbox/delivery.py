"""Handing one message to the mail backend, and telling temporary failures from permanent ones.

SMTP says it in the reply code (RFC 5321 §4.2.1): 4yz is a transient negative
completion (try again later), 5yz a permanent one. A connection that cannot
be made or breaks is transient too: the server may be back in a minute.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from flask import current_app
from flask_mailman import EmailMessage

from fablab.outbox.rendering import RenderedMail


@dataclass
class SendFailure(Exception):
    temporary: bool
    reason: str

    def __str__(self) -> str:
        return self.reason


def send_email(*, to: str, mail: RenderedMail) -> None:
    """Send through the configured backend; raises SendFailure."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    # One line: a name typed with CR/LF (a company's, a person's) in a subject must neither
    # inject a header nor make sending fail.
    subject = " ".join(str(mail.subject).split())
    message = EmailMessage(subject, mail.body, sender, [to])
    for attachment in mail.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as error:
        raise classify(error) from error


def classify(error: Exception) -> SendFailure:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        texts = "; ".join(f"{code} {_decode(text)}" for code, text in error.recipients.values())
        return SendFailure(all(400 <= code < 500 for code in codes), f"refused: {texts}")
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        reason = f"{code} {_decode(error.smtp_error)}"
        return SendFailure(not 500 <= code < 600, reason)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return SendFailure(True, f"server disconnected: {error}")
    if isinstance(error, OSError):
        return SendFailure(True, f"cannot reach the mail server: {error}")
    return SendFailure(True, f"{type(error).__name__}: {error}")


def _decode(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)
