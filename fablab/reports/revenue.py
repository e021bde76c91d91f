"""Revenue excluding VAT: issued invoices minus credit notes, by the document's issue date.

Each invoice line came from one charge (``Charge.invoice_line_id``), which gives its
product (``Charge.kind``) and, for machine time and material, its machine. A credit note
that cancels an invoice copies its lines in order, so each of its lines is matched to the
credited line (same position, opposite quantity, same price) and takes that line's product
and machine; a partial credit (one amount) is matched only by its customer and shows as
"unallocated" in the product and machine breakdowns. The segment is the one stored on the
document when it was issued (a company, or the person's customer category then; a credit
note takes its invoice's), so a later change of category does not move past revenue.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from fablab.accounts.models import Company
from fablab.billing.models import Charge, DocType, Invoice, InvoiceLine, Payment
from fablab.bookings.models import Reservation
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.reports.periods import Period
from fablab.usage.models import UsageSession

UNALLOCATED = "unallocated"
SEGMENTS = ("member", "public", "reduced", "company")
PRODUCTS = ("machine_time", "consumable", "membership", "pack", "event", "other", UNALLOCATED)


def revenue_lines():
    """One row per issued line: amount excl. VAT (credit notes negative) and what it was."""
    line, original = aliased(InvoiceLine), aliased(InvoiceLine)
    direct, credited = aliased(Charge), aliased(Charge)
    charge_id = sa.func.coalesce(direct.id, credited.id)
    base = (
        sa.select(
            line.id.label("line_id"),
            line.amount_excl_cents.label("amount"),
            line.quantity_milli.label("quantity_milli"),
            Invoice.id.label("document_id"),
            Invoice.issue_date.label("issue_date"),
            Invoice.company_id.label("company_id"),
            Invoice.user_id.label("user_id"),
            Invoice.customer_segment.label("segment"),
            charge_id.label("charge_id"),
        )
        .join(Invoice, Invoice.id == line.invoice_id)
        .outerjoin(direct, direct.invoice_line_id == line.id)
        .outerjoin(
            original,
            sa.and_(
                Invoice.doc_type == DocType.CREDIT_NOTE.value,
                original.invoice_id == Invoice.credited_invoice_id,
                original.position == line.position,
                original.quantity_milli == -line.quantity_milli,
                original.unit_price_cents == line.unit_price_cents,
            ),
        )
        .outerjoin(credited, credited.invoice_line_id == original.id)
    ).subquery("base")
    charge = aliased(Charge)
    machine_id = sa.func.coalesce(UsageSession.machine_id, Reservation.machine_id)
    return (
        sa.select(
            base.c.amount,
            base.c.quantity_milli,
            base.c.document_id,
            base.c.issue_date,
            base.c.company_id,
            base.c.user_id,
            sa.func.coalesce(charge.kind, UNALLOCATED).label("product"),
            machine_id.label("machine_id"),
            base.c.segment,
        )
        .outerjoin(charge, charge.id == base.c.charge_id)
        .outerjoin(
            UsageSession,
            sa.and_(charge.source_type == "usage_session", UsageSession.id == charge.source_id),
        )
        .outerjoin(
            Reservation,
            sa.and_(charge.source_type == "reservation", Reservation.id == charge.source_id),
        )
    ).subquery("revenue_lines")


def _in_period(lines, period: Period):
    return sa.and_(lines.c.issue_date >= period.start, lines.c.issue_date < period.end)


def _grouped(column_name: str, period: Period) -> dict:
    lines = revenue_lines()
    column = lines.c[column_name]
    rows = db.session.execute(
        sa.select(column, sa.func.sum(lines.c.amount))
        .where(_in_period(lines, period))
        .group_by(column)
    ).all()
    return {key: int(total or 0) for key, total in rows}


def total_cents(period: Period) -> int:
    """Invoices minus credit notes issued in the period, excl. VAT (from the documents)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Invoice.total_excl_cents), 0)).where(
            Invoice.issue_date >= period.start, Invoice.issue_date < period.end
        )
    )
    return int(total or 0)


def by_segment(period: Period) -> dict[str, int]:
    found = _grouped("segment", period)
    return {segment: found.get(segment, 0) for segment in SEGMENTS} | {
        k: v for k, v in found.items() if k not in SEGMENTS
    }


def by_product(period: Period) -> dict[str, int]:
    found = _grouped("product", period)
    return {kind: found.get(kind, 0) for kind in PRODUCTS if kind in found or kind != UNALLOCATED}


def by_machine(period: Period) -> list[dict]:
    """Revenue per machine (time and material), every machine listed, then the rest."""
    found = _grouped("machine_id", period)
    machines = db.session.execute(
        sa.select(Machine.id, Machine.name, Machine.kind).order_by(Machine.name)
    ).all()
    rows = [
        {"machine_id": id_, "name": name, "kind": kind, "revenue_cents": found.get(id_, 0)}
        for id_, name, kind in machines
    ]
    return rows


def by_machine_kind(period: Period) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in by_machine(period):
        totals[row["kind"]] = totals.get(row["kind"], 0) + row["revenue_cents"]
    return totals


def by_month(period: Period) -> list[dict]:
    """Revenue per month of issue, per segment, with the cash received that month."""
    lines = revenue_lines()
    year = sa.extract("year", lines.c.issue_date)
    month = sa.extract("month", lines.c.issue_date)
    rows = db.session.execute(
        sa.select(year, month, lines.c.segment, sa.func.sum(lines.c.amount))
        .where(_in_period(lines, period))
        .group_by(year, month, lines.c.segment)
    ).all()
    cash = _cash_by_month(period)
    months = {first: {s: 0 for s in SEGMENTS} for first in period.months()}
    for y, m, segment, total in rows:
        months.setdefault(date(int(y), int(m), 1), {s: 0 for s in SEGMENTS})[segment] = int(total)
    return [
        {
            "month": first.strftime("%Y-%m"),
            "by_segment": segments,
            "revenue_cents": sum(segments.values()),
            "cash_cents": cash.get(first, 0),
        }
        for first, segments in sorted(months.items())
    ]


def _cash_by_month(period: Period) -> dict[date, int]:
    year = sa.extract("year", Payment.received_on)
    month = sa.extract("month", Payment.received_on)
    rows = db.session.execute(
        sa.select(year, month, sa.func.sum(Payment.amount_cents))
        .where(Payment.received_on >= period.start, Payment.received_on < period.end)
        .group_by(year, month)
    ).all()
    return {date(int(y), int(m), 1): int(total) for y, m, total in rows}


def cash_cents(period: Period) -> int:
    """Money received in the period (incl. VAT), whatever the invoice's date."""
    return sum(_cash_by_month(period).values())


def outstanding(today: date) -> dict[str, int]:
    """What customers still owe (incl. VAT) today, and the part past its due date."""
    credits = (
        sa.select(
            Invoice.credited_invoice_id.label("invoice_id"),
            sa.func.sum(Invoice.total_incl_cents).label("credited"),
        )
        .where(Invoice.credited_invoice_id.is_not(None))
        .group_by(Invoice.credited_invoice_id)
        .subquery()
    )
    paid = (
        sa.select(Payment.invoice_id, sa.func.sum(Payment.amount_cents).label("paid"))
        .group_by(Payment.invoice_id)
        .subquery()
    )
    due = (
        Invoice.total_incl_cents
        + sa.func.coalesce(credits.c.credited, 0)
        - sa.func.coalesce(paid.c.paid, 0)
    )
    dues = (
        sa.select(due.label("due"), Invoice.due_date)
        .outerjoin(credits, credits.c.invoice_id == Invoice.id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.doc_type == DocType.INVOICE.value)
        .subquery()
    )
    unpaid, overdue, count = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(dues.c.due), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((dues.c.due_date < today, dues.c.due), else_=0)), 0
            ),
            sa.func.count(),
        ).where(dues.c.due > 0)
    ).one()
    return {"unpaid_cents": int(unpaid), "overdue_cents": int(overdue), "unpaid_invoices": count}


def top_companies(period: Period, limit: int = 10) -> list[dict]:
    lines = revenue_lines()
    total = sa.func.sum(lines.c.amount).label("total")
    rows = db.session.execute(
        sa.select(Company.id, Company.legal_name, total)
        .join(Company, Company.id == lines.c.company_id)
        .where(_in_period(lines, period))
        .group_by(Company.id, Company.legal_name)
        .order_by(total.desc(), Company.legal_name)
        .limit(limit)
    ).all()
    return [{"company_id": i, "name": n, "revenue_cents": int(t)} for i, n, t in rows]


def since_purchase_by_machine(until: date) -> dict[int, int]:
    """Each machine's revenue from its purchase date (or ever) until ``until`` (exclusive)."""
    lines = revenue_lines()
    rows = db.session.execute(
        sa.select(Machine.id, sa.func.sum(lines.c.amount))
        .join(Machine, Machine.id == lines.c.machine_id)
        .where(
            lines.c.issue_date < until,
            sa.or_(Machine.purchase_date.is_(None), lines.c.issue_date >= Machine.purchase_date),
        )
        .group_by(Machine.id)
    ).all()
    return {machine_id: int(total) for machine_id, total in rows}
