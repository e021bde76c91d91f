"""`flask --app wsgi events …`: list events, send reminders now, print funder metrics."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from fablab.events.metrics import event_metrics
from fablab.events.registrations import confirmed_count, send_due_reminders
from fablab.events.services import upcoming_events
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.transaction import commit


@click.group("events")
def events_group() -> None:
    """Lab events: discovery days, trainings, workshops."""


@events_group.command("list")
@with_appcontext
def list_command() -> None:
    """Upcoming published events with their confirmed seats."""
    for event in upcoming_events():
        start = to_local(event.start_at).strftime("%Y-%m-%d %H:%M")
        seats = f"{confirmed_count(event)}/{event.capacity}"
        click.echo(f"{event.id:>5}  {start}  {event.kind:<16} {seats:>7}  {event.title_fr}")


@events_group.command("remind")
@with_appcontext
def remind_command() -> None:
    """Send the reminders that are due now (the scheduler does it every 10 minutes)."""
    sent = send_due_reminders(now=utcnow())
    commit()
    click.echo(f"{sent} reminder(s) sent.")


def _day(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@events_group.command("metrics")
@click.option("--start", required=True, help="First day, YYYY-MM-DD (UTC).")
@click.option("--end", required=True, help="Day after the last, YYYY-MM-DD (UTC).")
@with_appcontext
def metrics_command(start: str, end: str) -> None:
    """Print the funder metrics of events (JSON): people, companies, first visits."""
    click.echo(json.dumps(event_metrics(_day(start), _day(end)), indent=2, ensure_ascii=False))
