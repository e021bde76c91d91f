"""The dashboard's figures for one period, as one JSON-ready dictionary.

The API (``GET /api/v1/reports/summary``), the CLI, the dashboard and the funder report
all read this; its keys are documented in the OpenAPI document.
"""

from __future__ import annotations

from datetime import date

from fablab.machines.zone import to_local
from fablab.payments.packs import pack_report
from fablab.reports import costs, customers, economics, outreach, revenue, utilisation
from fablab.reports.periods import Period
from fablab.timeutil import utcnow


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def headline(period: Period) -> dict:
    """The few figures compared across periods (cheap: revenue and cash only)."""
    total = revenue.total_cents(period)
    segments = revenue.by_segment(period)
    return {
        "revenue_excl_vat_cents": total,
        "cash_received_cents": revenue.cash_cents(period),
        "company_revenue_share": _share(segments.get("company", 0), total),
    }


def prepaid_packs() -> dict[str, int]:
    """Prepaid pack minutes today: sold, used, still to use (deferred revenue), expired unused.

    A stock at this moment (like the unpaid amount), not a flow of the period.
    """
    _packs, report = pack_report()
    return {
        "sold_minutes": report.sold_minutes,
        "used_minutes": report.used_minutes,
        "remaining_minutes": report.remaining_minutes,
        "expired_minutes": report.expired_minutes,
        "sold_cents": report.sold_cents,
        "deferred_cents": report.deferred_cents,
        "expired_cents": report.expired_cents,
    }


def summary(period: Period, *, today: date | None = None) -> dict:
    """Every figure of the dashboard for ``period``."""
    today = today or to_local(utcnow()).date()
    total = revenue.total_cents(period)
    segments = revenue.by_segment(period)
    machines_revenue = revenue.by_machine(period)
    use = utilisation.by_machine(period)
    recorded = costs.costs_in(period)
    recovery = economics.cost_recovery(period, use, machines_revenue, recorded["by_machine"])
    cost_totals = economics.totals(recovery, total, recorded)
    return {
        "period": period.as_dict(),
        "revenue_excl_vat_cents": total,
        "cash_received_cents": revenue.cash_cents(period),
        "revenue_by_segment": segments,
        "revenue_by_product": revenue.by_product(period),
        "revenue_by_machine": {row["name"]: row["revenue_cents"] for row in machines_revenue},
        "revenue_by_machine_kind": revenue.by_machine_kind(period),
        "revenue_by_month": revenue.by_month(period),
        "company_revenue_share": _share(segments.get("company", 0), total),
        **revenue.outstanding(today),
        "prepaid_packs": prepaid_packs(),
        "top_companies": revenue.top_companies(period),
        "customers": {
            "active_people": customers.active_people(period),
            "new_people": customers.new_people(period),
            "companies": customers.companies(period),
            "cohorts": customers.cohorts(period),
        },
        "utilisation": use,
        "utilisation_by_kind": utilisation.by_kind(use),
        "heat_map": utilisation.heat_map(period),
        "cost_recovery": recovery,
        **cost_totals,
        "grants_cents": costs.grants_in(period),
        "payback": economics.payback(period),
        "outreach": outreach.outreach(period),
    }


def comparison(period: Period) -> dict:
    """Headline figures of the period, the one before and the same one last year."""
    previous, last_year = period.previous(), period.last_year()
    return {
        "current": headline(period),
        "previous": headline(previous) | {"period": previous.as_dict()},
        "last_year": headline(last_year) | {"period": last_year.as_dict()},
    }
