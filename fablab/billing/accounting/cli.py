"""`flask --app wsgi accounting …`: the FEC of a fiscal year, closing a period."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask_babel import force_locale

from fablab.errors import DomainError
from fablab.transaction import commit


@click.group("accounting")
def accounting_group() -> None:
    """Journals, FEC and closed periods."""


@accounting_group.command("fec")
@click.option("--year", type=click.IntRange(2000, 2099), required=True, help="Fiscal year.")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, writable=True),
    help="Write SIRENFECAAAAMMJJ.txt into this folder (default: print to standard output).",
)
def fec_command(year: int, output: str | None) -> None:
    """The FEC (art. A47 A-1 du LPF) of a fiscal year."""
    from fablab.billing.accounting.fec import fec_filename, fec_text, fiscal_year

    start, end = fiscal_year(year)
    text = fec_text(start, end)
    if not output:
        click.echo(text, nl=False)
        return
    os.makedirs(output, exist_ok=True)
    path = os.path.join(output, fec_filename(end))
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    click.echo(path)


@accounting_group.command("close")
@click.option("--month", help="The month to close, as YYYY-MM.")
@click.option("--year", type=click.IntRange(2000, 2099), help="The year to close.")
def close_command(month: str | None, year: int | None) -> None:
    """Close a month or a year that is over; print the archive checksum (keep it)."""
    from fablab.billing.accounting.closings import close_period
    from fablab.billing.runs import parse_month

    if bool(month) == bool(year):
        raise click.UsageError("Give --month YYYY-MM or --year YYYY.")
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            if month:
                first = parse_month(month)
                closing = close_period(kind="month", year=first.year, month=first.month)
            else:
                closing = close_period(kind="year", year=year)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        commit()
    click.echo(f"Closed {closing.period_start} – {closing.period_end}.")
    click.echo(f"Archive checksum (keep it outside): {closing.archive_sha256}")
