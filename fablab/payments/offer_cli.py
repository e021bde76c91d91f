"""`flask --app wsgi offer …`: the offer's jobs by hand and the packs report."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fablab.payments import offer_jobs
from fablab.payments.packs import pack_report


@click.group("offer")
def offer_group() -> None:
    """Memberships, prepaid packs and quotes."""


@offer_group.command("expire")
@with_appcontext
def expire_command() -> None:
    """Expire ended memberships and packs now, and send the due renewal reminders."""
    memberships = offer_jobs.expire_memberships_job()
    reminders = offer_jobs.membership_reminders_job()
    packs = offer_jobs.expire_packs_job()
    click.echo(
        f"{memberships} memberships expired, {reminders} reminders sent, {packs} packs expired."
    )


@offer_group.command("packs-report")
@with_appcontext
def packs_report_command() -> None:
    """Prepaid minutes sold, used, still to use (deferred revenue) and expired unused."""
    _packs, report = pack_report()
    click.echo(f"sold      {report.sold_minutes:>8} min  {report.sold_cents / 100:>10.2f} EUR")
    click.echo(f"used      {report.used_minutes:>8} min")
    click.echo(
        f"to use    {report.remaining_minutes:>8} min  {report.deferred_cents / 100:>10.2f} EUR"
    )
    click.echo(
        f"expired   {report.expired_minutes:>8} min  {report.expired_cents / 100:>10.2f} EUR"
    )
