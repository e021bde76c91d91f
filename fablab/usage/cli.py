"""`flask --app wsgi usage …`: device tokens, printer links, the usage jobs by hand."""

from __future__ import annotations

import click
from flask_babel import force_locale

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.transaction import commit


@click.group("usage")
def usage_group() -> None:
    """Usage sessions: devices, printer links (OctoPrint, Moonraker, PrusaLink), auto-close."""


def _machine(machine_id: int) -> Machine:
    machine = db.session.get(Machine, machine_id)
    if machine is None:
        raise click.ClickException(f"No machine with the id {machine_id}.")
    return machine


@usage_group.command("device-token")
@click.argument("machine_id", type=int)
@click.option("--label", default="", help="Where the device is, e.g. 'badge reader'.")
def device_token_command(machine_id: int, label: str) -> None:
    """Print a new device token for MACHINE_ID (shown once; only its hash is kept)."""
    from fablab.usage.devices import create_device_token

    secret = create_device_token(machine=_machine(machine_id), label=label)[1]
    commit()
    click.echo(secret)


KINDS = click.Choice(["octoprint", "moonraker", "prusalink", "shelly"])


def _link(machine_id, url, kind, api_key, username, diameter, density, check) -> None:
    from fablab.usage.devices import save_printer_link
    from fablab.usage.printer_kinds import check_link
    from fablab.usage.printers import KIND_LABELS, LinkFailure

    machine = _machine(machine_id)
    label = KIND_LABELS[kind]
    db.session.rollback()  # the address is tried outside any transaction
    if check:
        try:
            check_link(kind=kind, url=url, api_key=api_key, username=username)
        except LinkFailure as failure:
            detail = f" ({failure.detail})" if failure.detail else ""
            raise click.ClickException(
                f"{label} at {url} did not answer as expected: {failure.message}{detail} "
                "Nothing was saved."
            ) from None
    with force_locale("en"):
        try:
            save_printer_link(
                machine=_machine(machine.id),
                url=url,
                api_key=api_key,
                kind=kind,
                username=username,
                diameter_mm=diameter,
                density_g_cm3=density,
            )
        except DomainError as error:
            raise click.ClickException(str(error.message)) from None
    commit()
    click.echo(f"Machine {machine_id} is now polled at {url} ({label}).")


_LINK_OPTIONS = [
    click.argument("machine_id", type=int),
    click.argument("url"),
    click.option("--api-key", default="", help="The server's API key (PrusaLink: password)."),
    click.option("--username", default="", help="PrusaLink digest user (e.g. maker)."),
    click.option("--diameter", default="1.75", show_default=True, help="Filament diameter, mm."),
    click.option("--density", default="1.24", show_default=True, help="Filament density, g/cm³."),
    click.option(
        "--check/--no-check", default=True, help="Try the address and key first (default)."
    ),
]


def _link_options(function):
    for option in reversed(_LINK_OPTIONS):
        function = option(function)
    return function


@usage_group.command("link-printer")
@click.option("--kind", type=KINDS, default="octoprint", show_default=True)
@_link_options
def link_printer_command(machine_id, url, kind, api_key, username, diameter, density, check):
    """Connect MACHINE_ID to its printer server (OctoPrint, Moonraker, PrusaLink) or to the
    Shelly relay on its power line (--kind shelly) at URL.

    The address and the key are tried first: nothing is saved when they fail.
    """
    _link(machine_id, url, kind, api_key, username, diameter, density, check)


@usage_group.command("link-octoprint")
@_link_options
def link_octoprint_command(machine_id, url, api_key, username, diameter, density, check):
    """Connect MACHINE_ID to its OctoPrint server at URL (= link-printer --kind octoprint)."""
    _link(machine_id, url, "octoprint", api_key, username, diameter, density, check)


def _poll() -> None:
    from fablab.usage.jobs import poll_printers

    report = poll_printers()
    click.echo(f"{report.changed} session(s) opened or closed.")
    for failure in report.failures:
        click.echo(f"Error: {failure.describe()}", err=True)
    if report.failures:
        raise click.exceptions.Exit(1)


@usage_group.command("poll-printers")
def poll_printers_command() -> None:
    """Poll every linked printer once (the scheduler does it every minute).

    Exits 1 and says which link failed and why when any printer could not be read.
    """
    _poll()


@usage_group.command("poll-octoprint")
def poll_octoprint_command() -> None:
    """Same as poll-printers (its first name)."""
    _poll()


@usage_group.command("close-stale")
def close_stale_command() -> None:
    """Close and flag the sessions left open past USAGE_AUTO_CLOSE_HOURS."""
    from fablab.usage.jobs import close_stale_sessions_job

    click.echo(f"{close_stale_sessions_job()} session(s) closed and flagged for review.")
