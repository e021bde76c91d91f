"""`flask --app wsgi network …`: member labs of the regional hub."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fablab.network.jobs import refresh_now
from fablab.network.services import NetworkError, add_lab, all_labs
from fablab.transaction import commit, rollback


@click.group("network")
def network_group() -> None:
    """The regional hub: member labs and their open data."""


@network_group.command("add-lab")
@click.argument("urls", metavar="URL...", nargs=-1, required=True)
@click.option("--no-fetch", is_flag=True, help="Register only; the scheduler fetches later.")
@with_appcontext
def add_lab_command(urls: tuple[str, ...], no_fetch: bool) -> None:
    """Register member labs by the address of their open-data catalogue, then fetch them."""
    try:
        labs = [add_lab(url=url) for url in urls]
    except NetworkError as error:
        rollback()
        raise click.ClickException(error.message) from None
    commit()
    if not no_fetch:
        refresh_now(labs=labs)
    for lab in labs:
        detail = f" ({lab.last_error})" if lab.last_error else ""
        click.echo(f"Added lab {lab.id}: {lab.label} [{lab.state}]{detail}")


@network_group.command("refresh")
@with_appcontext
def refresh_command() -> None:
    """Fetch every member lab now; exit 1 when one of them fails."""
    counts = refresh_now()
    for lab in all_labs():
        click.echo(f"{lab.id:>4}  {lab.state:<7} {lab.label}  {lab.last_error}")
    click.echo(f"{counts['ok']} up to date, {counts['error']} failing")
    if counts["error"]:
        raise SystemExit(1)


@network_group.command("list")
@with_appcontext
def list_command() -> None:
    """Member labs with their state."""
    for lab in all_labs():
        click.echo(f"{lab.id:>4}  {lab.state:<7} {lab.catalogue_url}  {lab.label}")
