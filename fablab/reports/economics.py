"""The economic model: each machine's costs, cost recovery and payback.

Costs of a machine over a period: depreciation by use (purchase cost × hours used ÷
expected lifetime hours, the lifetime the machine form asks for), the monthly maintenance
for each month of the period the lab owned it, and the costs the manager recorded for it.
The lab's costs add the recorded costs of no machine (rent, staff…). Cost recovery =
revenue ÷ costs. Payback: revenue earned since purchase against the purchase cost (and
against the part of it that the machine's share of the grants did not pay), and at the
pace of the last twelve months, when the rest would be earned.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import sqlalchemy as sa

from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.reports import costs, revenue
from fablab.reports.money import round_cents
from fablab.reports.periods import Period


def _owned(period: Period, machine: Machine) -> Period | None:
    start = max(period.start, machine.purchase_date or period.start)
    return Period(start, period.end) if start < period.end else None


def machine_costs(period: Period, machine: Machine, used_seconds: int) -> dict[str, int]:
    """Depreciation (from the exact seconds used) and maintenance, in exact cents."""
    owned = _owned(period, machine)
    if owned is None:
        return {"depreciation_cents": 0, "maintenance_cents": 0}
    depreciation = 0
    if machine.lifetime_hours:
        depreciation = round_cents(
            Fraction(machine.purchase_cost_cents * used_seconds, machine.lifetime_hours * 3600)
        )
    maintenance = round_cents(machine.monthly_maintenance_cents * owned.month_fraction())
    return {"depreciation_cents": depreciation, "maintenance_cents": maintenance}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def cost_recovery(
    period: Period,
    utilisation_rows: list[dict],
    revenue_rows: list[dict],
    recorded: dict[int | None, int] | None = None,
) -> list[dict]:
    """Per machine: revenue, depreciation, maintenance, the costs recorded for it, margin and
    cost recovery ratio (``recorded``: recorded costs by machine, from ``costs.costs_in``)."""
    machines = {m.id: m for m in db.session.scalars(sa.select(Machine))}
    earned = {row["machine_id"]: row["revenue_cents"] for row in revenue_rows}
    rows = []
    for use in utilisation_rows:
        machine = machines[use["machine_id"]]
        costs = machine_costs(period, machine, use["used_seconds"])
        costs["recorded_cents"] = (recorded or {}).get(machine.id, 0)
        total = sum(costs.values())
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
    granted = costs.grants_by_machine(period.end)
    year_ago = Period(period.end - timedelta(days=365), period.end)
    recent = {row["machine_id"]: row["revenue_cents"] for row in revenue.by_machine(year_ago)}
    rows = []
    for machine in machines:
        earned = since.get(machine.id, 0)
        cost = machine.purchase_cost_cents
        net = max(cost - granted.get(machine.id, 0), 0)
        pace = recent.get(machine.id, 0)
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
                "grants_cents": granted.get(machine.id, 0),
                "net_cost_cents": net,
                "net_paid_back_ratio": _ratio(earned, net),
                "projected_net_payback_date": _projection(net, earned, pace, period.end),
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


def totals(rows: list[dict], total_revenue: int, recorded: dict) -> dict:
    """The lab's costs (machines and recorded) and its cost recovery ratio over all revenue."""
    machines = sum(row["costs_cents"] for row in rows)
    lab_wide = recorded["by_machine"].get(None, 0)
    total = machines + lab_wide
    return {
        "costs_cents": total,
        "machine_costs_cents": machines,
        "depreciation_cents": sum(row["depreciation_cents"] for row in rows),
        "maintenance_cents": sum(row["maintenance_cents"] for row in rows),
        "recorded_costs_cents": recorded["total_cents"],
        "costs_by_category": recorded["by_category"],
        "cost_recovery_ratio": _ratio(total_revenue, total),
        "margin_cents": total_revenue - total,
    }
