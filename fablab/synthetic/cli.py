"""``flask --app wsgi seed-synthetic --years N --machines M [--seed S] [--until DAY]``."""

from __future__ import annotations

import time as clock
from datetime import date, datetime

import click

from fablab.errors import DomainError
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.transaction import commit


@click.command("seed-synthetic")
@click.option("--years", type=click.IntRange(1, 30), default=1, show_default=True)
@click.option("--machines", type=click.IntRange(1, 200), default=10, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same history.")
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The history's last day (default: today); bookings go two weeks beyond.",
)
def seed_synthetic_command(years: int, machines: int, seed: int, until: datetime | None) -> None:
    """Fill the database with a realistic, deterministic lab history (for benchmarks)."""
    from fablab.synthetic.generate import generate, history_days

    last: date = until.date() if until else to_local(utcnow()).date()
    days = len(history_days(years, last))
    started = clock.perf_counter()
    with click.progressbar(length=days, label=f"{years} years × {machines} machines") as bar:
        try:
            summary = generate(
                years=years,
                machines=machines,
                seed=seed,
                until=last,
                progress=bar.update,
            )
        except DomainError as error:
            raise click.ClickException(error.message) from None
        commit()
    counts = ", ".join(
        f"{value:,} {name.replace('_', ' ')}" for name, value in summary.counts.items()
    )
    phases = ", ".join(f"{name} {seconds} s" for name, seconds in summary.seconds.items())
    click.echo(f"Synthetic history up to {last}: {counts}.")
    click.echo(f"Loaded in {clock.perf_counter() - started:.1f} s ({phases}).")
    click.echo("Manager: manager@synthetic.example, password synthetic-password.")
