"""`flask --app wsgi usage …`: device tokens, OctoPrint links, the usage jobs by hand."""

from __future__ import annotations

import click
from flask_babel import force_locale

from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.transaction import commit


@click.group("usage")
def usage_group() -> None:
    """Usage sessions: devices, OctoPrint, auto-close."""


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


@usage_group.command("link-octoprint")
@click.argument("machine_id", type=int)
@click.argument("url")
@click.option("--api-key", required=True, help="An OctoPrint application key.")
@click.option("--diameter", default="1.75", show_default=True, help="Filament diameter in mm.")
@click.option("--density", default="1.24", show_default=True, help="Filament density, g/cm³.")
def link_octoprint_command(
    machine_id: int, url: str, api_key: str, diameter: str, density: str
) -> None:
    """Connect MACHINE_ID to its OctoPrint server at URL."""
    from fablab.usage.devices import save_octoprint_link

    with force_locale("en"):
        try:
            save_octoprint_link(
                machine=_machine(machine_id),
                url=url,
                api_key=api_key,
                diameter_mm=diameter,
                density_g_cm3=density,
            )
        except DomainError as error:
            raise click.ClickException(error.message) from None
    commit()
    click.echo(f"Machine {machine_id} is now polled at {url}.")


@usage_group.command("poll-octoprint")
def poll_octoprint_command() -> None:
    """Poll every linked OctoPrint once (the scheduler does it every minute)."""
    from fablab.usage.jobs import poll_octoprint

    click.echo(f"{poll_octoprint()} session(s) opened or closed.")


@usage_group.command("close-stale")
def close_stale_command() -> None:
    """Close and flag the sessions left open past USAGE_AUTO_CLOSE_HOURS."""
    from fablab.usage.jobs import close_stale_sessions_job

    click.echo(f"{close_stale_sessions_job()} session(s) closed and flagged for review.")
