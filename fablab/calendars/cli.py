"""`flask --app wsgi calendars …`: imported calendars from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fablab.calendars.imports import add_subscription, subscriptions
from fablab.calendars.jobs import refresh_calendar_subscriptions
from fablab.errors import DomainError
from fablab.transaction import commit


@click.group("calendars")
def calendars_group() -> None:
    """External calendars imported as closures."""


@calendars_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the imported calendars and their last error."""
    for subscription in subscriptions():
        state = subscription.last_error or ("ok" if subscription.last_success_at else "never")
        click.echo(f"{subscription.id}\t{subscription.name}\t{subscription.url}\t{state}")


@calendars_group.command("add")
@click.argument("name")
@click.argument("url")
@with_appcontext
def add_command(name: str, url: str) -> None:
    """Subscribe the lab to the iCalendar at URL (its events close the whole lab)."""
    try:
        subscription = add_subscription(name=name, url=url)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    commit()
    click.echo(f"Subscribed ({subscription.id}); run `calendars refresh` to import it.")


@calendars_group.command("refresh")
@with_appcontext
def refresh_command() -> None:
    """Fetch every imported calendar now; exit 1 when one failed."""
    failed = refresh_calendar_subscriptions()
    if failed:
        raise click.ClickException(f"{failed} calendar(s) could not be refreshed.")
    click.echo("Calendars refreshed.")
