"""`flask --app wsgi stripe …`: reconcile with Stripe by hand."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask_babel import force_locale

from fablab.errors import DomainError
from fablab.transaction import commit


@click.group("stripe")
def stripe_group() -> None:
    """Stripe payments."""


@stripe_group.command("reconcile")
@click.option("--hours", default=48, show_default=True, help="How far back to look.")
def reconcile_command(hours: int) -> None:
    """Apply the recent Checkout Sessions whose webhook never arrived (safe to rerun)."""
    from datetime import timedelta

    from fablab.payments.reconcile import reconcile
    from fablab.timeutil import utcnow

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            report = reconcile(now=utcnow(), lookback=timedelta(hours=max(hours, 1)))
        except DomainError as error:
            raise click.ClickException(error.message) from None
        commit()
    click.echo(f"{report.seen} sessions seen, {len(report.applied)} applied.")
    for line in report.applied:
        click.echo(f"  {line}")
    for line in report.failed:
        click.echo(f"  FAILED {line}", err=True)
    if report.failed:
        sys.exit(1)
