"""The manager's reports: the dashboard, its exports and the funder report."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from fablab.accounts.auth import manager_required
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.formatting import format_date
from fablab.machines.settings import get_settings
from fablab.machines.zone import to_local
from fablab.reports import charts, exports
from fablab.reports.blueprint import bp
from fablab.reports.forms import ScenarioForm
from fablab.reports.funder import funder_pdf as funder_report_pdf
from fablab.reports.funder import key_figures
from fablab.reports.labels import (
    COST_LABELS,
    EVENT_KIND_LABELS,
    PERIOD_LABELS,
    PRODUCT_LABELS,
    SEGMENT_LABELS,
    TABLE_LABELS,
    label,
)
from fablab.reports.models import PricingScenario
from fablab.reports.periods import (
    Period,
)
from fablab.reports.query import chosen_period, period_args
from fablab.reports.scenarios import delete_scenario, list_scenarios, replay, save_scenario
from fablab.reports.summary import comparison, summary
from fablab.transaction import commit, rollback


@bp.app_context_processor
def inject_report_helpers():
    return {
        "report_label": label,
        "COST_LABELS": COST_LABELS,
        "PRODUCT_LABELS": PRODUCT_LABELS,
        "SEGMENT_LABELS": SEGMENT_LABELS,
        "EVENT_KIND_LABELS": EVENT_KIND_LABELS,
    }


@bp.app_template_filter("ratio")
def ratio_filter(value: float | None) -> str:
    """0.1234 -> '12.3 %' (or '12,3 %' in French); None (nothing to divide by) -> '—'."""
    return "—" if value is None else format_percent(value, "#,##0.0 %")


@bp.app_template_filter("decimal")
def decimal_filter(value: float | None) -> str:
    return "—" if value is None else format_decimal(round(value, 1), "#,##0.#")


@bp.app_template_filter("isodate")
def isodate_filter(value: str | None) -> str:
    """An ISO date (or date-time, shown in the lab's zone) in the reader's short form."""
    if not value:
        return "—"
    if "T" in value:
        return format_date(to_local(datetime.fromisoformat(value)), "short")
    return format_date(date.fromisoformat(value), "short")


def _charts(figures: dict) -> dict:
    segments = [(key, label(SEGMENT_LABELS, key)) for key in figures["revenue_by_segment"]]
    return {
        "months": charts.stacked_columns(
            figures["revenue_by_month"],
            segments,
            title=_("Revenue by month"),
            line_key="cash_cents",
        ),
        "segments": charts.bars(
            [(label(SEGMENT_LABELS, k), v) for k, v in figures["revenue_by_segment"].items()],
            title=_("Revenue by customer segment"),
            width=420,
        ),
        "products": charts.bars(
            [(label(PRODUCT_LABELS, k), v) for k, v in figures["revenue_by_product"].items()],
            title=_("Revenue by product"),
            width=420,
        ),
        "machines": charts.bars(
            list(figures["revenue_by_machine"].items()), title=_("Revenue by machine")
        ),
    }


@bp.get("/")
@manager_required
def dashboard():
    kind, period, errors = chosen_period()
    figures = summary(period)
    heat = figures["heat_map"]
    top = max((max(day) for day in heat), default=0)
    return render_template(
        "reports/dashboard.html",
        kind=kind,
        period=period,
        args=period_args(kind, period),
        previous_args=period_args(kind, period.previous()) if kind != "custom" else None,
        next_args=period_args(kind, Period(period.end, period.end)) if kind != "custom" else None,
        period_labels=PERIOD_LABELS,
        errors=errors,
        s=figures,
        compare=comparison(period),
        charts=_charts(figures),
        heat_top=top,
        heat_hours=_heat_hours(heat),
        heat_colour=charts.heat_colour,
        tables=TABLE_LABELS,
    )


def _heat_hours(grid: list[list[float]]) -> range:
    """The hours of the day worth a column: those with bookings, at least 9:00–18:00."""
    busy = [hour for day in grid for hour, value in enumerate(day) if value]
    return range(min([9, *busy]), max([18, *busy]) + 1)


@bp.get("/export/<name>.<fmt>")
@manager_required
def export(name: str, fmt: str):
    """One table as CSV, or every table as one XLSX workbook (``name`` = ``all``)."""
    if fmt not in ("csv", "xlsx") or (name not in exports.TABLES and name != "all"):
        abort(404)
    kind, period, _errors = chosen_period()
    figures = summary(period)
    stem = f"fablab-{name}-{period.start.isoformat()}-{period.end.isoformat()}"
    if fmt == "csv":
        if name == "all":
            abort(404)
        body = exports.as_csv(exports.table(name, figures))
        return Response(body, mimetype="text/csv", headers=_attachment(f"{stem}.csv"))
    names = list(exports.TABLES) if name == "all" else [name]
    book = exports.as_xlsx({n: exports.table(n, figures) for n in names})
    return Response(
        book,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(f"{stem}.xlsx"),
    )


def _attachment(filename: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@bp.get("/funder")
@manager_required
def funder():
    """One printable page with the figures the regional call asks for."""
    kind, period, _errors = chosen_period()
    figures = summary(period)
    segments = [(label(SEGMENT_LABELS, k), v) for k, v in figures["revenue_by_segment"].items()]
    return render_template(
        "reports/funder.html",
        period=period,
        s=figures,
        args=period_args(kind, period),
        figures=key_figures(figures),
        segments_chart=charts.bars(segments, title=_("Revenue by customer segment")),
    )


@bp.get("/funder.pdf")
@manager_required
def funder_pdf():
    """The funder report as a PDF, in French (default) or English (``lang=en``)."""
    kind, period, _errors = chosen_period()
    locale = request.args.get("lang", "fr") if request.args.get("lang") in ("fr", "en") else "fr"
    body = funder_report_pdf(summary(period), period, get_settings().name, locale)
    name = f"funder-report-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
    return Response(body, mimetype="application/pdf", headers=_attachment(name))


def export_url(name: str, fmt: str, args: dict) -> str:
    return url_for("reports.export", name=name, fmt=fmt, **args)


bp.add_app_template_global(export_url, "report_export_url")


@bp.route("/scenarios", methods=["GET", "POST"])
@manager_required
def scenarios():
    """Saved pricing scenarios replayed on the period's actual sales, side by side."""
    kind, period, errors = chosen_period()
    form = ScenarioForm()
    if form.validate_on_submit():
        try:
            scenario = save_scenario(values=form.values(), by=current_user)
        except DomainError as error:
            rollback()
            field = getattr(form, error.field or "", None)
            (field.errors.append if field is not None else errors.append)(error.message)
        else:
            commit()
            flash(_("Scenario “%(name)s” saved.", name=scenario.name), "success")
            return redirect(url_for("reports.scenarios", **period_args(kind, period)))
    saved = list_scenarios()
    return render_template(
        "reports/scenarios.html",
        form=form,
        kind=kind,
        period=period,
        errors=errors,
        args=period_args(kind, period),
        period_labels=PERIOD_LABELS,
        scenarios=saved,
        columns=replay(period, saved),
    )


@bp.post("/scenarios/<int:scenario_id>/delete")
@manager_required
def scenario_delete(scenario_id: int):
    scenario = db.session.get(PricingScenario, scenario_id) or abort(404)
    delete_scenario(scenario=scenario)
    commit()
    flash(_("Scenario deleted."), "success")
    kind, period, _errors = chosen_period()
    return redirect(url_for("reports.scenarios", **period_args(kind, period)))


# The cost pages register on the same blueprint (they import it from reports.blueprint).
from fablab.reports import cost_views  # noqa: E402,F401
