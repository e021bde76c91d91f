"""`flask --app wsgi invoices …`: verify the hash chain, run the monthly invoicing."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask_babel import force_locale

from fablab.errors import DomainError
from fablab.transaction import commit


@click.group("invoices")
def invoices_group() -> None:
    """Invoices and credit notes."""


@invoices_group.command("verify")
@click.option(
    "--anchor",
    multiple=True,
    help="An archive checksum kept outside (closing receipt); it must still be there.",
)
def verify_command(anchor: tuple[str, ...]) -> None:
    """Check the documents' and payments' chains, stored PDFs and closings; exit 1 if broken.

    Every broken item is listed, the first one on the "BROKEN at" line.
    """
    from fablab.billing.integrity import verify_all

    report = verify_all(anchors=anchor)
    if report.ok:
        click.echo(f"OK: {report.count} documents, the chain is intact.")
        return
    click.echo(f"BROKEN at {report.broken_number}: {report.problem}", err=True)
    for label, problem in report.problems[1:]:
        click.echo(f"BROKEN at {label}: {problem}", err=True)
    sys.exit(1)


@invoices_group.command("run")
@click.option("--month", required=True, help="The month to invoice, as YYYY-MM.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what would be issued (customers, amounts), issue nothing.",
)
def run_command(month: str, dry_run: bool) -> None:
    """Bill every customer for the uninvoiced charges of MONTH (safe to run twice)."""
    from fablab.billing.runs import parse_month, preview_monthly_invoicing, run_monthly_invoicing

    # No request here: messages and invoice texts in the lab's default language.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            if dry_run:
                preview = preview_monthly_invoicing(month=parse_month(month))
            else:
                result = run_monthly_invoicing(month=parse_month(month))
        except DomainError as error:
            raise click.ClickException(error.message) from None
        if dry_run:
            _echo_preview(preview)
            return
        commit()
    click.echo(
        f"{result.month}: {result.charges_made} new charges, "
        f"{len(result.invoices)} invoices issued."
    )
    for invoice in result.invoices:
        click.echo(
            f"  {invoice.number}  {invoice.buyer_name}  {invoice.total_incl_cents / 100:.2f}"
        )


def _echo_preview(preview) -> None:
    click.echo(
        f"{preview.label} (dry run, nothing issued): {len(preview.invoices)} invoices would be "
        f"issued, {preview.totals['excl'] / 100:.2f} excl. VAT, "
        f"{preview.totals['vat'] / 100:.2f} VAT, {preview.totals['incl'] / 100:.2f} incl. VAT."
    )
    for invoice in preview.invoices:
        click.echo(
            f"  {invoice.number}  {invoice.buyer_name}  {invoice.total_excl_cents / 100:.2f}"
            f"  {invoice.total_vat_cents / 100:.2f}  {invoice.total_incl_cents / 100:.2f}"
        )
