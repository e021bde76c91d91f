"""The monthly invoicing run: bill each customer for the uninvoiced charges of a month.

Safe to run twice: a billed charge carries its invoice line, so a second run
finds nothing left for the same month and issues nothing. Charges from earlier
months that were still uninvoiced are billed too (nothing is left behind).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Company, User
from fablab.billing.charges import collect_charges, uninvoiced_charges
from fablab.billing.invoices import issue_invoice
from fablab.billing.mails import queue_invoice_mail
from fablab.billing.models import Charge, Invoice
from fablab.billing.numbering import lock_chain
from fablab.billing.preview import IssuePreview, rolled_back, undone
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.zone import local_to_utc, to_local
from fablab.timeutil import utcnow


class BadMonth(DomainError):
    status = 422
    code = "invalid"

    def default_message(self):
        return _l("Give a month as YYYY-MM.")


def parse_month(text: str) -> date:
    """'2026-10' -> date(2026, 10, 1); BadMonth otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) < 2100:
        raise BadMonth(field="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def month_end_utc(first: date) -> datetime:
    """The instant the month ends in the lab's zone."""
    return local_to_utc(next_month(first), time(0, 0))


@dataclass
class RunResult:
    month: str
    charges_made: int = 0
    invoices: list[Invoice] = field(default_factory=list)


def run_monthly_invoicing(*, month: date, issued_by: User | None = None) -> RunResult:
    """Make the month's charges, then issue one invoice per company and per person."""
    if month >= to_local(utcnow()).date().replace(day=1):
        raise BadMonth(_l("Only a month that is over can be invoiced."), field="month")
    until = month_end_utc(month)
    label = month.strftime("%Y-%m")
    result = RunResult(month=label)
    lock_chain()  # one issuer at a time: a concurrent run waits and then finds nothing
    result.charges_made = collect_charges(until=until)
    for (company_id, user_id), charges in _by_customer(uninvoiced_charges(before=until)).items():
        company = db.session.get(Company, company_id) if company_id else None
        user = None if company else db.session.get(User, user_id)
        invoice = issue_invoice(
            charges=charges, user=user, company=company, issued_by=issued_by, period=label
        )
        queue_invoice_mail(invoice)
        result.invoices.append(invoice)
    return result


def preview_monthly_invoicing(*, month: date) -> IssuePreview:
    """What ``run_monthly_invoicing`` would issue for ``month``, computed by it and undone."""
    return undone(
        lambda: run_monthly_invoicing(month=month),
        lambda result: IssuePreview.of(
            result.invoices, charges_made=result.charges_made, label=result.month
        ),
    )


def invoice_customer_now(
    *, user: User | None = None, company: Company | None = None, issued_by: User | None = None
) -> Invoice:
    """Issue one invoice now to a person or a company for all that is theirs to bill: their
    closed usage sessions and ended bookings (charged first) and their uninvoiced charges."""
    key = (company.id, None) if company is not None else (None, user.id if user else None)
    lock_chain()
    collect_charges(until=utcnow(), customer=key)
    charges = _by_customer(uninvoiced_charges()).get(key, [])
    invoice = issue_invoice(charges=charges, user=user, company=company, issued_by=issued_by)
    queue_invoice_mail(invoice)
    return invoice


def preview_customer_invoice(*, user: User | None = None, company: Company | None = None):
    """The invoice ``invoice_customer_now`` would issue, computed by it and undone."""
    return undone(
        lambda: invoice_customer_now(user=user, company=company),
        lambda invoice: IssuePreview.of([invoice]),
    )


@dataclass(frozen=True)
class PendingCharge:
    occurred_at: datetime
    description: str
    unit: str
    quantity_milli: int
    unit_price_cents: int
    amount_cents: int


@dataclass(frozen=True)
class PendingCustomer:
    kind: str  # "company" or "user"
    id: int
    name: str
    charges: tuple[PendingCharge, ...]
    total_cents: int


def to_invoice(*, until: datetime | None = None) -> list[PendingCustomer]:
    """Everything to invoice up to ``until`` (default now), per customer: the charges, and
    what the closed usage sessions and ended bookings not charged yet will be charged
    (computed by ``collect_charges`` in a savepoint that is rolled back)."""
    with rolled_back():
        collect_charges(until=until or utcnow())
        groups = _by_customer(uninvoiced_charges())
        return [_pending(key, charges) for key, charges in groups.items()]


def _pending(key: tuple[int | None, int | None], charges: list[Charge]) -> PendingCustomer:
    company_id, user_id = key
    rows = tuple(
        PendingCharge(
            c.occurred_at,
            c.description,
            c.unit,
            c.quantity_milli,
            c.unit_price_cents,
            c.amount_cents,
        )
        for c in charges
    )
    return PendingCustomer(
        kind="company" if company_id else "user",
        id=company_id or user_id,
        name=charges[0].company.legal_name if company_id else charges[0].user.display_name,
        charges=rows,
        total_cents=sum(row.amount_cents for row in rows),
    )


def _by_customer(charges: list[Charge]) -> dict[tuple[int | None, int | None], list[Charge]]:
    groups: dict[tuple[int | None, int | None], list[Charge]] = defaultdict(list)
    for charge in charges:
        key = (charge.company_id, None) if charge.company_id else (None, charge.user_id)
        groups[key].append(charge)
    return dict(groups)
