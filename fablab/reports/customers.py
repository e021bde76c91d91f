"""Customers: active and new people, active, new and returning companies, cohorts.

A person is active in a period when they booked (confirmed, completed or no-show) or used a
machine in it; a company when one of those was on its account or it was invoiced.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from fablab.accounts.models import Role, User
from fablab.billing.models import DocType, Invoice
from fablab.bookings.models import Reservation
from fablab.extensions import db
from fablab.reports.periods import Period
from fablab.reports.revenue import SEGMENTS
from fablab.reports.sqltime import instant
from fablab.reports.utilisation import BOOKED
from fablab.usage.models import UsageSession


def _activity(period: Period):
    """(user_id, company_id, at) of every booking, usage session and invoice in the period."""
    low, high = instant(period.start_utc), instant(period.end_utc)
    bookings = sa.select(
        Reservation.user_id, Reservation.company_id, Reservation.start_at.label("at")
    ).where(
        Reservation.status.in_(BOOKED), Reservation.start_at >= low, Reservation.start_at < high
    )
    sessions = sa.select(
        UsageSession.user_id, UsageSession.company_id, UsageSession.started_at
    ).where(UsageSession.started_at >= low, UsageSession.started_at < high)
    invoices = sa.select(Invoice.user_id, Invoice.company_id, Invoice.issued_at).where(
        Invoice.doc_type == DocType.INVOICE.value,
        Invoice.issued_at >= low,
        Invoice.issued_at < high,
    )
    return sa.union_all(bookings, sessions, invoices).subquery("activity")


def active_people(period: Period) -> dict[str, int]:
    """Distinct people who booked or used a machine, by customer category."""
    activity = _activity(period)
    people = sa.select(activity.c.user_id).where(activity.c.user_id.is_not(None)).distinct()
    rows = db.session.execute(
        sa.select(User.category, sa.func.count())
        .where(User.id.in_(people.scalar_subquery()), User.role == Role.MEMBER.value)
        .group_by(User.category)
    ).all()
    found = dict(rows)
    return {category: int(found.get(category, 0)) for category in SEGMENTS}


def new_people(period: Period) -> dict[str, int]:
    """Accounts opened in the period, by customer category (managers left out)."""
    rows = db.session.execute(
        sa.select(User.category, sa.func.count())
        .where(
            User.role == Role.MEMBER.value,
            User.created_at >= instant(period.start_utc),
            User.created_at < instant(period.end_utc),
        )
        .group_by(User.category)
    ).all()
    found = dict(rows)
    return {category: int(found.get(category, 0)) for category in SEGMENTS}


def companies(period: Period) -> dict[str, int]:
    """Active companies, split into new (first activity ever in the period) and returning."""
    activity = _activity(period)
    active = (
        sa.select(activity.c.company_id).where(activity.c.company_id.is_not(None)).distinct()
    ).subquery()
    before = instant(period.start_utc)
    earlier = sa.union(
        sa.select(Reservation.company_id).where(
            Reservation.status.in_(BOOKED), Reservation.start_at < before
        ),
        sa.select(UsageSession.company_id).where(UsageSession.started_at < before),
        sa.select(Invoice.company_id).where(Invoice.issued_at < before),
    ).subquery()
    returning = sa.select(sa.func.count()).where(
        active.c.company_id.in_(
            sa.select(earlier.c.company_id).where(earlier.c.company_id.is_not(None))
        )
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(active)) or 0
    back = db.session.scalar(returning.select_from(active)) or 0
    return {"active": int(total), "new": int(total - back), "returning": int(back)}


def cohorts(period: Period, horizon: int = 6) -> list[dict]:
    """Customers by month of their first invoice, and the share invoiced again k months later.

    SQL gives the distinct (customer, month) pairs; the triangle is drawn from them.
    """
    payer = sa.case(
        (Invoice.company_id.is_not(None), sa.literal("c") + sa.cast(Invoice.company_id, sa.String)),
        else_=sa.literal("u") + sa.cast(Invoice.user_id, sa.String),
    )
    year, month = sa.extract("year", Invoice.issue_date), sa.extract("month", Invoice.issue_date)
    rows = db.session.execute(
        sa.select(payer, year, month)
        .where(Invoice.doc_type == DocType.INVOICE.value, Invoice.issue_date < period.end)
        .group_by(payer, year, month)
    ).all()
    months_of: dict[str, set[int]] = {}
    for key, y, m in rows:
        months_of.setdefault(key, set()).add(int(y) * 12 + int(m) - 1)
    first_month = period.start.year * 12 + period.start.month - 1
    last_month = (period.end.year * 12 + period.end.month - 1) - (period.end.day == 1)
    latest = max((max(m) for m in months_of.values()), default=first_month)
    table: dict[int, list[set]] = {}
    for key, months in months_of.items():
        first = min(months)
        if first_month <= first <= last_month:
            table.setdefault(first, [set() for _ in range(horizon + 1)])
            for k in range(horizon + 1):
                if first + k in months:
                    table[first][k].add(key)
    return [
        {
            "cohort": date(index // 12, index % 12 + 1, 1).strftime("%Y-%m"),
            "customers": len(sets[0]),
            # None: that month is not over yet (nothing invoiced after ``latest``).
            "retained": [
                len(s) if index + k <= latest else None for k, s in enumerate(sets[1:], start=1)
            ],
        }
        for index, sets in sorted(table.items())
    ]
