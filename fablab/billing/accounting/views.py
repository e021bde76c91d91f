"""The manager's accounting page: journals, FEC, VAT return, closings, chart of accounts."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.billing.accounting import closings as closing_service
from fablab.billing.accounting.entries import entries_between
from fablab.billing.accounting.fec import fec_amount, fec_filename, fec_text, fiscal_year
from fablab.billing.accounting.forms import ChartForm, CloseForm, FecForm
from fablab.billing.accounting.mails import queue_closing_receipt
from fablab.billing.accounting.vat_report import ca3_boxes, vat_rows
from fablab.billing.blueprint import bp
from fablab.billing.forms import PeriodForm
from fablab.billing.models import AccountingClosing
from fablab.billing.settings import get_billing_settings
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.transaction import commit, rollback


def _period() -> tuple[PeriodForm, date, date]:
    form = PeriodForm(request.args)
    form.validate()
    today = to_local(utcnow()).date()
    start = form.start.data or today.replace(day=1)
    end = form.end.data or today
    return form, start, end


@bp.get("/billing/accounting")
@manager_required
def accounting():
    form, start, end = _period()
    entries = entries_between(start, end)
    today = to_local(utcnow()).date()
    close_form = CloseForm(formdata=None, year=today.year, month=today.month - 1 or 12)
    return render_template(
        "billing/accounting.html",
        form=form,
        start=start,
        end=end,
        entries=entries,
        balanced=all(e.debit == e.credit for e in entries),
        vat=vat_rows(start, end, by_month=False),
        ca3=sorted(ca3_boxes(start, end).items()),
        fec_form=FecForm(formdata=None),
        close_form=close_form,
        closings=closing_service.closings(),
    )


@bp.get("/billing/accounting/fec")
@manager_required
def accounting_fec():
    form = FecForm(request.args)
    if not form.validate():
        flash(_("Choose a fiscal year between 2000 and 2099."), "error")
        return redirect(url_for("billing.accounting"))
    start, end = fiscal_year(form.year.data)
    return Response(
        fec_text(start, end),
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{fec_filename(end)}"'},
    )


@bp.get("/billing/accounting/journal.csv")
@manager_required
def accounting_journal_csv():
    _form, start, end = _period()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["journal", "entry", "date", "account", "account_label", "aux_account", "aux_label",
         "piece", "label", "debit", "credit"]
    )  # fmt: skip
    for number, entry in enumerate(entries_between(start, end), start=1):
        for p in entry.postings:
            writer.writerow(
                [entry.journal, number, entry.date.isoformat(), p.account, p.account_label,
                 p.aux_num, p.aux_label, entry.piece_ref, entry.label,
                 fec_amount(p.debit), fec_amount(p.credit)]
            )  # fmt: skip
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="journals-{start}-{end}.csv"'},
    )


@bp.post("/billing/accounting/close")
@manager_required
def accounting_close():
    form = CloseForm()
    if not form.validate_on_submit():
        flash(_("Choose a month or a year, and a valid e-mail address."), "error")
        return redirect(url_for("billing.accounting"))
    try:
        closing = closing_service.close_period(
            kind=form.kind.data,
            year=form.year.data,
            month=form.month.data,
            closed_by=current_user,
        )
        if form.receipt_email.data:
            queue_closing_receipt(closing, form.receipt_email.data.strip().lower())
    except DomainError as error:
        rollback()
        flash(error.message, "error")
        return redirect(url_for("billing.accounting"))
    commit()
    flash(_("The period is closed and archived."), "success")
    return redirect(url_for("billing.accounting_closing", closing_id=closing.id))


def _closing(closing_id: int) -> AccountingClosing:
    closing = db.session.get(AccountingClosing, closing_id)
    if closing is None:
        abort(404)
    return closing


@bp.get("/billing/accounting/closings/<int:closing_id>")
@manager_required
def accounting_closing(closing_id: int):
    closing = _closing(closing_id)
    return render_template(
        "billing/closing.html", closing=closing, totals=json.loads(closing.totals_json)
    )


@bp.get("/billing/accounting/closings/<int:closing_id>.zip")
@manager_required
def accounting_archive(closing_id: int):
    closing = _closing(closing_id)
    name = f"archive-{closing.period_start}-{closing.period_end}.zip"
    return Response(
        closing.archive,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/billing/accounting/chart", methods=["GET", "POST"])
@manager_required
def accounting_chart():
    settings = get_billing_settings()
    form = ChartForm(obj=settings)
    if form.validate_on_submit():
        settings.chart_of_accounts = form.chart_of_accounts.data.strip()
        commit()
        flash(_("Chart of accounts saved."), "success")
        return redirect(url_for("billing.accounting_chart"))
    return render_template("billing/chart.html", form=form)
