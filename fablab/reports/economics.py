"""The economic model: each machine's costs, cost recovery and payback.

Costs of a machine over a period: depreciation by use (purchase cost × hours used ÷
expected lifetime hours, the lifetime the machine form asks for) plus the monthly
maintenance for each month of the period the lab owned it. Cost recovery = revenue ÷
costs. Payback: revenue earned since purchase against the purchase cost, and at the pace
of the last twelve months, when the rest would be earned.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.reports import revenue
from fablab.reports.periods import Period


def _owned(period: Period, machine: Machine) -> Period | None:
    start = max(period.start, machine.purchase_date or period.start)
    return Period(start, period.end) if start < period.end else None


def machine_costs(period: Period, machine: Machine, used_hours: float) -> dict[str, int]:
    owned = _owned(period, machine)
    if owned is None:
        return {"depreciation_cents": 0, "maintenance_cents": 0}
    depreciation = 0
    if machine.lifetime_hours:
        depreciation = round(machine.purchase_cost_cents * used_hours / machine.lifetime_hours)
    maintenance = round(machine.monthly_maintenance_cents * owned.month_fraction())
    return {"depreciation_cents": depreciation, "maintenance_cents": maintenance}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def cost_recovery(
    period: Period, utilisation_rows: list[dict], revenue_rows: list[dict]
) -> list[dict]:
    """Per machine: revenue, depreciation, maintenance, margin and cost recovery ratio."""
    machines = {m.id: m for m in db.session.scalars(sa.select(Machine))}
    earned = {row["machine_id"]: row["revenue_cents"] for row in revenue_rows}
    rows = []
    for use in utilisation_rows:
        machine = machines[use["machine_id"]]
        costs = machine_costs(period, machine, use["used_hours"])
        total = costs["depreciation_cents"] + costs["maintenance_cents"]
        income = earned.get(machine.id, 0)
        rows.append(
            {
                "machine_id": machine.id,
                "name": machine.name,
                "kind": machine.kind,
                "revenue_cents": income,
                **costs,
                "costs_cents": total,
                "margin_cents": income - total,
                "cost_recovery_ratio": _ratio(income, total),
            }
        )
    return rows


def payback(period: Period) -> list[dict]:
    """Per machine: cost, revenue since purchase up to the period's end, projected payback."""
    machines = list(db.session.scalars(sa.select(Machine).order_by(Machine.name)))
    since = revenue.since_purchase_by_machine(period.end)
    year_ago = Period(period.end - timedelta(days=365), period.end)
    recent = {row["machine_id"]: row["revenue_cents"] for row in revenue.by_machine(year_ago)}
    rows = []
    for machine in machines:
        earned = since.get(machine.id, 0)
        cost = machine.purchase_cost_cents
        rows.append(
            {
                "machine_id": machine.id,
                "name": machine.name,
                "purchase_cost_cents": cost,
                "purchase_date": machine.purchase_date.isoformat()
                if machine.purchase_date
                else None,
                "revenue_since_purchase_cents": earned,
                "paid_back_ratio": _ratio(earned, cost),
                "projected_payback_date": _projection(
                    cost, earned, recent.get(machine.id, 0), period.end
                ),
            }
        )
    return rows


def _projection(cost: int, earned: int, last_year: int, today: date) -> str | None:
    """The date the rest of the cost is earned at last year's pace (None: never or done)."""
    if cost <= 0 or earned >= cost:
        return None
    if last_year <= 0:
        return None
    days = (cost - earned) * 365 / last_year
    if days > 365 * 80:
        return None
    return (today + timedelta(days=round(days))).isoformat()


def totals(rows: list[dict], total_revenue: int) -> dict:
    """The lab's machine costs and its cost recovery ratio over all its revenue."""
    costs = sum(row["costs_cents"] for row in rows)
    return {
        "costs_cents": costs,
        "depreciation_cents": sum(row["depreciation_cents"] for row in rows),
        "maintenance_cents": sum(row["maintenance_cents"] for row in rows),
        "cost_recovery_ratio": _ratio(total_revenue, costs),
    }
