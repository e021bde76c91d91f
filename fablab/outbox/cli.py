"""`flask --app wsgi outbox …`: the mail outbox from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.outbox.jobs import send_due
from fablab.outbox.models import MessageStatus, OutboxMessage
from fablab.outbox.queries import messages
from fablab.outbox.services import resend
from fablab.transaction import commit, rollback


@click.group("outbox")
def outbox_group() -> None:
    """Outgoing mail: what waits, what failed and why, send again."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in MessageStatus]))
@click.option("--to", "recipient", default="", help="Part of the recipient's address.")
@with_appcontext
def list_command(status: str | None, recipient: str) -> None:
    """The latest 50 messages, newest first (id, written, status, attempts, to, subject, error)."""
    found, _more = messages(status=status, recipient=recipient)
    for m in found:
        click.echo(
            f"{m.id}\t{m.created_at:%Y-%m-%d %H:%M}\t{m.status}\t{m.attempts}\t{m.recipient}\t"
            f"{m.subject or m.kind}\t{m.last_error or ''}"
        )


@outbox_group.command("send")
@with_appcontext
def send_command() -> None:
    """Send what is due now (the scheduler does it every few seconds)."""
    click.echo(send_due())


@outbox_group.command("resend")
@click.argument("message_id", type=int)
@with_appcontext
def resend_command(message_id: int) -> None:
    """Send a sent or failed message again."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise click.ClickException(f"no message {message_id}")
    try:
        copy = resend(message=message)
    except DomainError as error:
        rollback()
        raise click.ClickException(error.message) from None
    commit()
    click.echo(f"message {copy.id} will be sent")
