"""`flask --app wsgi reports …`: the summary as JSON, table exports, the funder PDF."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from fablab.errors import DomainError
from fablab.machines.settings import get_settings
from fablab.reports import exports
from fablab.reports.funder import funder_pdf
from fablab.reports.periods import Period, custom_period, parse_day
from fablab.reports.summary import summary


def _period(start: str, end: str) -> Period:
    try:
        return custom_period(parse_day(start, "start"), parse_day(end, "end"))
    except DomainError as error:
        raise click.BadParameter(error.message) from None


@click.group("reports")
def reports_group() -> None:
    """Manager reports: revenue, utilisation, cost recovery, outreach."""


@reports_group.command("summary")
@click.option("--start", required=True, help="First day, YYYY-MM-DD (lab's local date).")
@click.option("--end", required=True, help="First day not included, YYYY-MM-DD.")
@with_appcontext
def summary_command(start: str, end: str) -> None:
    """Every figure of the dashboard as JSON (the same as GET /api/v1/reports/summary)."""
    click.echo(json.dumps(summary(_period(start, end)), indent=2, ensure_ascii=False))


@reports_group.command("export")
@click.option("--start", required=True)
@click.option("--end", required=True)
@click.option("--table", "name", type=click.Choice(["all", *exports.TABLES]), default="all")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export_command(start: str, end: str, name: str, output: str) -> None:
    """A table as CSV (-o x.csv), or tables as an XLSX workbook (-o x.xlsx)."""
    figures = summary(_period(start, end))
    path = Path(output)
    if path.suffix == ".csv":
        if name == "all":
            raise click.BadParameter("a CSV holds one table: choose it with --table")
        path.write_text(exports.as_csv(exports.table(name, figures)), encoding="utf-8")
    elif path.suffix == ".xlsx":
        names = list(exports.TABLES) if name == "all" else [name]
        path.write_bytes(exports.as_xlsx({n: exports.table(n, figures) for n in names}))
    else:
        raise click.BadParameter("the output must end in .csv or .xlsx")
    click.echo(f"Wrote {path}")


@reports_group.command("funder")
@click.option("--start", required=True)
@click.option("--end", required=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def funder_command(start: str, end: str, lang: str, output: str) -> None:
    """The funder report as a PDF."""
    period = _period(start, end)
    Path(output).write_bytes(funder_pdf(summary(period), period, get_settings().name, lang))
    click.echo(f"Wrote {output}")
