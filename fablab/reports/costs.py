"""The lab's costs and the grants it received, recorded by the manager.

A cost belongs to a month (rent, staff, insurance, maintenance beyond the machines' own
monthly figure, materials bought, other), optionally to one machine. A period counts each
month's costs in proportion to the part of the month it covers. A grant is money received
on a date, optionally for the machine it paid for: that machine's payback is then measured
against the part of its price the grant did not pay.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.reports.models import COST_CATEGORIES, Grant, LabCost
from fablab.reports.periods import EARLIEST, LATEST, Period

MAX_CENTS = 10**12


class CostError(DomainError):
    status = 422
    code = "invalid"


def _check_amount(amount_cents: int | None) -> int:
    if amount_cents is None or not 0 < amount_cents < MAX_CENTS:
        raise CostError(_l("Give a positive amount."), field="amount_cents")
    return amount_cents


def _check_day(day: date | None, field: str) -> date:
    if day is None or not EARLIEST <= day < LATEST:
        raise CostError(_l("Dates must lie between 2000 and 2100."), field=field)
    return day


def add_cost(
    *,
    month: date | None,
    category: str,
    amount_cents: int | None,
    machine: Machine | None = None,
    note: str = "",
    by: User | None = None,
) -> LabCost:
    """Record a cost for the month containing ``month``."""
    month = _check_day(month, "month").replace(day=1)
    if category not in COST_CATEGORIES:
        raise CostError(_l("Unknown kind of cost."), field="category")
    cost = LabCost(
        month=month,
        category=category,
        amount_cents=_check_amount(amount_cents),
        machine_id=machine.id if machine else None,
        note=(note or "").strip()[:300],
        created_by_id=by.id if by else None,
    )
    db.session.add(cost)
    db.session.flush()
    return cost


def add_grant(
    *,
    funder: str,
    amount_cents: int | None,
    received_on: date | None,
    machine: Machine | None = None,
    note: str = "",
    by: User | None = None,
) -> Grant:
    """Record a grant received (for a machine, or for the lab's running)."""
    funder = (funder or "").strip()
    if not funder:
        raise CostError(_l("Name the funder."), field="funder")
    grant = Grant(
        funder=funder[:200],
        amount_cents=_check_amount(amount_cents),
        received_on=_check_day(received_on, "received_on"),
        machine_id=machine.id if machine else None,
        note=(note or "").strip()[:300],
        created_by_id=by.id if by else None,
    )
    db.session.add(grant)
    db.session.flush()
    return grant


def delete(record: LabCost | Grant) -> None:
    db.session.delete(record)
    db.session.flush()


def costs_in(period: Period) -> dict:
    """Recorded costs of the period: total, by category, by machine (None: the whole lab)."""
    rows = db.session.execute(
        sa.select(
            LabCost.month, LabCost.category, LabCost.machine_id, sa.func.sum(LabCost.amount_cents)
        )
        .where(LabCost.month >= period.start.replace(day=1), LabCost.month < period.end)
        .group_by(LabCost.month, LabCost.category, LabCost.machine_id)
    ).all()
    by_category = {category: 0 for category in COST_CATEGORIES}
    by_machine: dict[int | None, int] = {}
    for month, category, machine_id, total in rows:
        share = _month_share(period, month)
        cents = round(int(total) * share)
        by_category[category] += cents
        by_machine[machine_id] = by_machine.get(machine_id, 0) + cents
    return {
        "total_cents": sum(by_category.values()),
        "by_category": by_category,
        "by_machine": by_machine,
    }


def _month_share(period: Period, first: date) -> float:
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    overlap = (min(nxt, period.end) - max(first, period.start)).days
    return max(overlap, 0) / (nxt - first).days


def grants_in(period: Period) -> int:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Grant.amount_cents), 0)).where(
            Grant.received_on >= period.start, Grant.received_on < period.end
        )
    )
    return int(total or 0)


def grants_by_machine(until: date) -> dict[int, int]:
    """Grants that paid for each machine, received before ``until``."""
    rows = db.session.execute(
        sa.select(Grant.machine_id, sa.func.sum(Grant.amount_cents))
        .where(Grant.machine_id.is_not(None), Grant.received_on < until)
        .group_by(Grant.machine_id)
    ).all()
    return {machine_id: int(total) for machine_id, total in rows}


def listed(period: Period) -> tuple[list[LabCost], list[Grant]]:
    """The costs of the period's months and the grants received in it, newest first."""
    costs = db.session.scalars(
        sa.select(LabCost)
        .where(LabCost.month >= period.start.replace(day=1), LabCost.month < period.end)
        .order_by(LabCost.month.desc(), LabCost.id.desc())
    ).all()
    grants = db.session.scalars(
        sa.select(Grant)
        .where(Grant.received_on >= period.start, Grant.received_on < period.end)
        .order_by(Grant.received_on.desc(), Grant.id.desc())
    ).all()
    return list(costs), list(grants)
