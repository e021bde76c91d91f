"""The lab's costs and the grants it received, recorded by the manager.

A cost belongs to a month (rent, staff, insurance, maintenance beyond the machines' own
monthly figure, materials bought, other), optionally to one machine. A period counts each
month's costs in proportion to the part of the month it covers. A grant is money received
on a date, optionally for the machines it paid for, each with its share (explicit, or split
in proportion to purchase costs): each machine's payback is then measured against the part
of its price its share did not pay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from fablab.accounts.models import User
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.reports.models import COST_CATEGORIES, Grant, GrantMachine, LabCost
from fablab.reports.money import euro_text, round_cents
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
    machines: Sequence[Machine] = (),
    shares: Mapping[int, int | None] | None = None,
    note: str = "",
    by: User | None = None,
) -> Grant:
    """Record a grant received, for the lab's running or for one or several machines.

    Each machine's share is taken from ``shares`` (machine id → cents) when every machine
    has one and they add up to the grant; with no share given, the grant is split in
    proportion to the machines' purchase costs (see ``split_by_cost``).
    """
    funder = (funder or "").strip()
    if not funder:
        raise CostError(_l("Name the funder."), field="funder")
    amount_cents = _check_amount(amount_cents)
    grant = Grant(
        funder=funder[:200],
        amount_cents=amount_cents,
        received_on=_check_day(received_on, "received_on"),
        note=(note or "").strip()[:300],
        created_by_id=by.id if by else None,
    )
    for machine, cents in zip(
        machines, _machine_shares(amount_cents, list(machines), shares or {}), strict=True
    ):
        grant.shares.append(GrantMachine(machine_id=machine.id, amount_cents=cents))
    db.session.add(grant)
    db.session.flush()
    return grant


def _machine_shares(total: int, machines: list[Machine], given: Mapping[int, int | None]) -> list:
    if len({machine.id for machine in machines}) != len(machines):
        raise CostError(_l("Choose each machine once."), field="machines")
    amounts = [given.get(machine.id) for machine in machines]
    if all(amount is None for amount in amounts):
        return split_by_cost(total, machines)
    if any(amount is None for amount in amounts):
        raise CostError(
            _l("Give an amount for every machine chosen, or none to split by purchase cost."),
            field="machines",
        )
    if any(amount <= 0 for amount in amounts):
        raise CostError(_l("Each machine's share must be positive."), field="machines")
    if sum(amounts) != total:
        raise CostError(
            _l(
                "The machines' shares add up to %(shares)s, not to the grant's %(total)s.",
                shares=euro_text(sum(amounts)),
                total=euro_text(total),
            ),
            field="machines",
        )
    return amounts


def split_by_cost(total: int, machines: Sequence[Machine]) -> list[int]:
    """``total`` cents split in proportion to the machines' purchase costs (equally when no
    cost is known), to the cent: each share is rounded down, and the cents left over go one
    by one to the largest remainders (the first machine chosen on a tie)."""
    if not machines:
        return []
    weights = [max(machine.purchase_cost_cents or 0, 0) for machine in machines]
    if not any(weights):
        weights = [1] * len(machines)
    whole = sum(weights)
    shares = [total * weight // whole for weight in weights]
    remainders = [total * weight % whole for weight in weights]
    order = sorted(range(len(machines)), key=lambda i: (-remainders[i], i))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    if any(share <= 0 for share in shares):
        raise CostError(
            _l("The grant is too small to give every machine a share."), field="machines"
        )
    return shares


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
        cents = round_cents(int(total) * _month_share(period, month))
        by_category[category] += cents
        by_machine[machine_id] = by_machine.get(machine_id, 0) + cents
    return {
        "total_cents": sum(by_category.values()),
        "by_category": by_category,
        "by_machine": by_machine,
    }


def _month_share(period: Period, first: date) -> Fraction:
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    overlap = (min(nxt, period.end) - max(first, period.start)).days
    return Fraction(max(overlap, 0), (nxt - first).days)


def grants_in(period: Period) -> int:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Grant.amount_cents), 0)).where(
            Grant.received_on >= period.start, Grant.received_on < period.end
        )
    )
    return int(total or 0)


def grants_by_machine(until: date) -> dict[int, int]:
    """Each machine's share of the grants received before ``until``."""
    rows = db.session.execute(
        sa.select(GrantMachine.machine_id, sa.func.sum(GrantMachine.amount_cents))
        .join(Grant, Grant.id == GrantMachine.grant_id)
        .where(Grant.received_on < until)
        .group_by(GrantMachine.machine_id)
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
        .options(selectinload(Grant.shares).joinedload(GrantMachine.machine))
        .where(Grant.received_on >= period.start, Grant.received_on < period.end)
        .order_by(Grant.received_on.desc(), Grant.id.desc())
    ).all()
    return list(costs), list(grants)
