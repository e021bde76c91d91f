"""The last month of the history charged and invoiced through the billing services.

Invoices are issued by ``fablab.billing.invoices`` itself (numbering, hash chain,
snapshots), so ``flask invoices verify`` holds whatever the chain covers. The
services date a document when it is issued, so the history before this month
carries its bookings and usage but no charges: see README, "Synthetic history".
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from fablab.accounts.models import Company, User
from fablab.billing.charges import charge_reservation, charge_usage_session, uninvoiced_charges
from fablab.billing.invoices import issue_credit_note, issue_invoice
from fablab.billing.models import Charge, PaymentMethod
from fablab.billing.payments import record_payment
from fablab.billing.settings import get_billing_settings
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.extensions import db
from fablab.usage.models import UsageSession, UsageStatus

S = ReservationStatus
METHODS = (PaymentMethod.TRANSFER, PaymentMethod.CARD, PaymentMethod.CARD, PaymentMethod.CHEQUE)


@dataclass
class Billed:
    charges: int = 0
    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0


def charge_window(start: datetime, end: datetime) -> int:
    """Charges of the bookings and usage sessions that ended in [start, end)."""
    policy = get_billing_settings().time_policy
    made = 0
    sessions = db.session.scalars(
        sa.select(UsageSession)
        .where(
            UsageSession.status == UsageStatus.CLOSED.value,
            UsageSession.charged_at.is_(None),
            UsageSession.ended_at >= start,
            UsageSession.ended_at < end,
        )
        .options(selectinload(UsageSession.reservation), selectinload(UsageSession.machine))
        .options(selectinload(UsageSession.user), selectinload(UsageSession.company))
        .order_by(UsageSession.id)
    ).all()
    for session in sessions:
        made += len(charge_usage_session(session, policy))
    billable = sa.or_(
        Reservation.status.in_([S.COMPLETED.value, S.NO_SHOW.value]),
        sa.and_(Reservation.status == S.CANCELLED.value, Reservation.bill_cancellation),
    )
    bookings = db.session.scalars(
        sa.select(Reservation)
        .where(billable, Reservation.end_at >= start, Reservation.end_at < end)
        .options(selectinload(Reservation.machine), selectinload(Reservation.user))
        .options(selectinload(Reservation.company))
        .order_by(Reservation.id)
    ).all()
    for booking in bookings:
        made += 1 if charge_reservation(booking, policy) else 0
    return made


def invoice_window(*, start: datetime, end: datetime, manager: User, rng: random.Random) -> Billed:
    """Charge the window, invoice each customer, credit a few invoices, record payments."""
    billed = Billed(charges=charge_window(start, end))
    groups: dict[tuple, list[Charge]] = defaultdict(list)
    for charge in uninvoiced_charges(before=end):
        if charge.occurred_at >= start:
            key = (charge.company_id, None) if charge.company_id else (None, charge.user_id)
            groups[key].append(charge)
    period = start.strftime("%Y-%m")
    for (company_id, user_id), charges in sorted(groups.items(), key=lambda item: str(item[0])):
        company = db.session.get(Company, company_id) if company_id else None
        user = None if company else db.session.get(User, user_id)
        invoice = issue_invoice(
            charges=charges, user=user, company=company, issued_by=manager, period=period
        )
        billed.invoices += 1
        luck = rng.random()
        if luck < 0.04:
            issue_credit_note(invoice=invoice, reason="Erreur de saisie", issued_by=manager)
            billed.credit_notes += 1
        elif luck < 0.8 and invoice.total_incl_cents > 0:
            record_payment(
                invoice=invoice,
                amount_cents=invoice.total_incl_cents,
                method=rng.choice(METHODS).value,
                reference=f"REF-{invoice.number}",
                recorded_by=manager,
            )
            billed.payments += 1
    return billed
