"""Pricing scenarios: replay a period's actual sales under another offer.

The assumption, stated on the page: the same usage (or the volume change the scenario
gives). SQL sums the period's revenue by customer segment and product, and nets the number
of memberships sold; each sum is then re-priced: machine time by the segment's rate
change, material by the material price change, both by the volume change, memberships at
the scenario's fee. A scenario that changes nothing reproduces the actual revenue exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.reports import costs, economics, revenue, utilisation
from fablab.reports.models import PERCENT_COLUMNS, PricingScenario
from fablab.reports.periods import Period


class ScenarioError(DomainError):
    status = 422
    code = "invalid"


def list_scenarios() -> list[PricingScenario]:
    return list(db.session.scalars(sa.select(PricingScenario).order_by(PricingScenario.name)))


def save_scenario(*, values: dict, by: User | None = None) -> PricingScenario:
    """Save a named scenario; percentages between -100 and +1000, the fee ≥ 0."""
    name = (values.get("name") or "").strip()
    if not name:
        raise ScenarioError(_l("Give the scenario a name."), field="name")
    taken = db.session.scalar(sa.select(PricingScenario.id).where(PricingScenario.name == name))
    if taken is not None:
        raise ScenarioError(_l("A scenario already has this name."), field="name")
    for column in PERCENT_COLUMNS:
        if not -100 <= int(values.get(column) or 0) <= 1000:
            raise ScenarioError(_l("Give a change between -100 % and +1000 %."), field=column)
    fee = values.get("membership_fee_cents")
    if fee is not None and fee < 0:
        raise ScenarioError(_l("The fee cannot be negative."), field="membership_fee_cents")
    scenario = PricingScenario(
        name=name[:120],
        note=(values.get("note") or "").strip(),
        membership_fee_cents=fee,
        created_by_id=by.id if by else None,
        **{column: int(values.get(column) or 0) for column in PERCENT_COLUMNS},
    )
    db.session.add(scenario)
    db.session.flush()
    return scenario


def delete_scenario(*, scenario: PricingScenario) -> None:
    db.session.delete(scenario)
    db.session.flush()


def _sales(period: Period) -> list[tuple[str, str, int, int]]:
    """(segment, product, amount in cents, net quantity in thousandths) of the period."""
    lines = revenue.revenue_lines()
    rows = db.session.execute(
        sa.select(
            lines.c.segment,
            lines.c.product,
            sa.func.sum(lines.c.amount),
            sa.func.sum(lines.c.quantity_milli),
        )
        .where(lines.c.issue_date >= period.start, lines.c.issue_date < period.end)
        .group_by(lines.c.segment, lines.c.product)
    ).all()
    return [
        (segment, product, int(amount), int(quantity))
        for segment, product, amount, quantity in rows
    ]


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _repriced(
    scenario: PricingScenario | None, segment: str, product: str, amount: int, quantity_milli: int
) -> int:
    if scenario is None:
        return amount
    volume = 1 + Decimal(scenario.volume_pct) / 100
    if product == "machine_time":
        return _cents(amount * (1 + Decimal(scenario.rate_pct(segment)) / 100) * volume)
    if product == "consumable":
        return _cents(amount * (1 + Decimal(scenario.material_pct) / 100) * volume)
    if product == "membership" and scenario.membership_fee_cents is not None:
        return _cents(Decimal(quantity_milli) * scenario.membership_fee_cents / 1000)
    return amount


def _costs(period: Period) -> tuple[int, int]:
    """Depreciation (which follows the hours used), and the rest: maintenance, recorded costs."""
    use = utilisation.by_machine(period)
    recorded = costs.costs_in(period)
    rows = economics.cost_recovery(period, use, revenue.by_machine(period), recorded["by_machine"])
    depreciation = sum(r["depreciation_cents"] for r in rows)
    return depreciation, economics.totals(rows, 0, recorded)["costs_cents"] - depreciation


def replay(period: Period, scenarios: list[PricingScenario]) -> list[dict]:
    """What happened (first column), then each scenario: revenue, company share, cost recovery."""
    sales = _sales(period)
    depreciation, fixed = _costs(period)
    columns = []
    for scenario in [None, *scenarios]:
        by_segment = {segment: 0 for segment in revenue.SEGMENTS}
        for segment, product, amount, quantity in sales:
            by_segment[segment] = by_segment.get(segment, 0) + _repriced(
                scenario, segment, product, amount, quantity
            )
        total = sum(by_segment.values())
        volume = 1 + Decimal(scenario.volume_pct if scenario else 0) / 100
        total_costs = _cents(depreciation * volume) + fixed
        columns.append(
            {
                "scenario_id": scenario.id if scenario else None,
                "name": scenario.name if scenario else None,
                "revenue_excl_vat_cents": total,
                "revenue_by_segment": by_segment,
                "company_revenue_share": round(by_segment["company"] / total, 4) if total else None,
                "costs_cents": total_costs,
                "cost_recovery_ratio": round(total / total_costs, 4) if total_costs else None,
            }
        )
    return columns
