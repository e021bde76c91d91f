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


def _by_customer(charges: list[Charge]) -> dict[tuple[int | None, int | None], list[Charge]]:
    groups: dict[tuple[int | None, int | None], list[Charge]] = defaultdict(list)
    for charge in charges:
        key = (charge.company_id, None) if charge.company_id else (None, charge.user_id)
        groups[key].append(charge)
    return dict(groups)
