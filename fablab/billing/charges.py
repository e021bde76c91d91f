"""Charges: what the lab will bill, made from usage, bookings, fees and other domains.

Every charge has a ``source_key`` unique per kind (``usage_session:12``,
``reservation:7``, ``membership:2026:user:3``…): asking twice for the same
source returns the existing charge, and the database refuses a duplicate.
Charges of zero euros are not recorded.

Who pays: a use on a company's account (the booking or session names the
company), or by a person of category *company* who belongs to a company, is
billed to that company at the company rate; anything else to the person at
the rate of their category.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Category, Company, User
from fablab.billing import pricing
from fablab.billing.models import Charge, ChargeKind, TimePolicy
from fablab.billing.settings import get_billing_settings
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.settings import get_settings
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.usage.models import UsageSession, UsageStatus


class ChargeError(DomainError):
    status = 422
    code = "invalid"


def payer_for(user: User | None, company: Company | None) -> tuple[Company | None, str]:
    """The company that pays (if any) and the price category that applies."""
    if company is None and user is not None and user.category == Category.COMPANY:
        company = user.company
    if company is not None:
        return company, Category.COMPANY.value
    return None, (user.category if user is not None else Category.PUBLIC.value)


def find_charge(kind: str, source_key: str) -> Charge | None:
    return db.session.scalar(
        sa.select(Charge).where(Charge.kind == kind, Charge.source_key == source_key)
    )


def add_charge(
    *,
    kind: str,
    description: str,
    quantity_milli: int,
    unit_price_cents: int,
    source_type: str,
    source_id: int | None = None,
    source_key: str | None = None,
    user: User | None = None,
    company: Company | None = None,
    unit: str = "unit",
    occurred_at: datetime | None = None,
    vat_rate_bp: int | None = None,
    created_by: User | None = None,
) -> Charge:
    """Record a charge (idempotent per kind and source); amount = round(qty × unit price).

    Other domains (events, packs) call this with their own ``source_type`` and id.
    """
    if kind not in {k.value for k in ChargeKind}:
        raise ChargeError(_l("Unknown kind of charge."), field="kind")
    if user is None and company is None:
        raise ChargeError(_l("A charge needs a customer."), field="customer")
    if quantity_milli <= 0:
        raise ChargeError(_l("The quantity must be positive."), field="quantity")
    if unit_price_cents < 0:
        raise ChargeError(_l("The price cannot be negative."), field="unit_price")
    if not description.strip():
        raise ChargeError(_l("A description is required."), field="description")
    key = source_key or f"{source_type}:{source_id}"
    existing = find_charge(kind, key)
    if existing is not None:
        return existing
    charge = Charge(
        kind=kind,
        description=description.strip()[:300],
        unit=unit,
        quantity_milli=quantity_milli,
        unit_price_cents=unit_price_cents,
        amount_cents=pricing.line_amount(quantity_milli, unit_price_cents),
        vat_rate_bp=get_settings().vat_rate_bp if vat_rate_bp is None else vat_rate_bp,
        occurred_at=occurred_at or utcnow(),
        source_type=source_type,
        source_id=source_id,
        source_key=key,
        user_id=user.id if user else None,
        company_id=company.id if company else None,
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(charge)
    db.session.flush()
    return charge


def _in_invoice_language(text_factory):
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return text_factory()


def machine_time_priced(machine: Machine, category: str, seconds: int) -> pricing.Priced:
    """Machine time for a price category: the one computation invoices and quotes share."""
    return pricing.machine_time_price(
        hourly_rate_cents=machine.rate_for(category),
        duration_seconds=seconds,
        increment_minutes=machine.billing_increment_minutes,
    )


def _machine_time_charge(
    *,
    machine: Machine,
    user: User,
    company: Company | None,
    started_at: datetime,
    ended_at: datetime,
    source_type: str,
    source_id: int,
    source_key: str | None = None,
    note: str = "",
) -> Charge | None:
    payer, category = payer_for(user, company)
    seconds = int((ended_at - started_at).total_seconds())
    if seconds <= 0:
        return None
    price = machine_time_priced(machine, category, seconds)
    if price.amount_cents <= 0:
        return None
    local = to_local(started_at)
    description = _in_invoice_language(
        lambda: _(
            "%(machine)s, %(day)s %(start)s, %(minutes)d min (%(who)s)%(note)s",
            machine=machine.name,
            day=local.strftime("%d/%m/%Y"),
            start=local.strftime("%H:%M"),
            minutes=seconds // 60,
            who=user.display_name,
            note=note,
        )
    )
    return add_charge(
        kind=ChargeKind.MACHINE_TIME.value,
        description=description,
        unit=f"{machine.billing_increment_minutes} min",
        quantity_milli=price.quantity_milli,
        unit_price_cents=price.unit_price_cents,
        source_type=source_type,
        source_id=source_id,
        source_key=source_key,
        user=user,
        company=payer,
        occurred_at=started_at,
    )


# A session that runs a few minutes past its booking is not billed extra for it.
OVERRUN_GRACE = timedelta(minutes=5)


def charge_usage_session(session: UsageSession, policy: str) -> list[Charge]:
    """Charges of a closed session: consumables, and machine time when the booking does not
    bill it (used-time policy, no booking), or for the time outside a booked slot that bills
    its booked time. Marks the session charged."""
    if not session.is_billable:
        return []
    made: list[Charge] = []
    for started, ended, part in _time_to_bill(session, policy):
        charge = _machine_time_charge(
            machine=session.machine,
            user=session.user,
            company=session.company,
            started_at=started,
            ended_at=ended,
            source_type="usage_session",
            source_id=session.id,
            source_key=f"usage_session:{session.id}{part}",
        )
        made += [charge] if charge else []
    if session.consumable_quantity_milli > 0 and session.consumable_rate_cents > 0:
        made.append(_consumable_charge(session))
    session.charged_at = utcnow()
    db.session.flush()
    return made


def bills_booked_time(reservation: Reservation, policy: str) -> bool:
    """Whether ``reservation``'s own charge covers its booked slot: under the booked-time
    policy, and whatever the policy when it was paid in advance (prepaid pack, paid slot)."""
    if policy == TimePolicy.BOOKED or reservation.prepaid_minutes > 0:
        return True
    return find_charge(ChargeKind.MACHINE_TIME.value, f"reservation:{reservation.id}") is not None


def _time_to_bill(session: UsageSession, policy: str) -> list[tuple[datetime, datetime, str]]:
    """The stretches of ``session`` billed as used machine time, with their key suffix."""
    booking = session.reservation
    whole = [(session.started_at, session.ended_at, "")]
    if booking is None or booking.status == ReservationStatus.CANCELLED:
        return whole
    if not bills_booked_time(booking, policy):
        return whole
    outside = []
    if session.started_at < booking.start_at - OVERRUN_GRACE:
        outside.append((session.started_at, min(booking.start_at, session.ended_at), ":before"))
    if session.ended_at > booking.end_at + OVERRUN_GRACE:
        outside.append((max(booking.end_at, session.started_at), session.ended_at, ":after"))
    return outside


def _consumable_charge(session: UsageSession) -> Charge:
    payer, _category = payer_for(session.user, session.company)
    price = pricing.consumable_price(
        quantity_milli=session.consumable_quantity_milli, rate_cents=session.consumable_rate_cents
    )
    local = to_local(session.started_at)
    description = _in_invoice_language(
        lambda: _(
            "Material on %(machine)s, %(day)s (%(who)s)",
            machine=session.machine.name,
            day=local.strftime("%d/%m/%Y"),
            who=session.user.display_name,
        )
    )
    return add_charge(
        kind=ChargeKind.CONSUMABLE.value,
        description=description,
        unit=session.consumable_unit,
        quantity_milli=price.quantity_milli,
        unit_price_cents=price.unit_price_cents,
        source_type="usage_session",
        source_id=session.id,
        user=session.user,
        company=payer,
        occurred_at=session.started_at,
    )


def charge_reservation(reservation: Reservation, policy: str) -> Charge | None:
    """The booked time of ``reservation`` when the lab's rules bill it (see the README table):

    * completed: under the booked-time policy, or under the used-time policy when no
      usage session recorded the use (an attended booking is never left unbilled);
    * no-show, and cancelled after the deadline: when the billing settings say so;

    minus the minutes prepaid by a pack. At most one charge per booking.
    """
    if not _bills_reservation(reservation, policy):
        return None
    notes = {
        ReservationStatus.NO_SHOW.value: lambda: _(", not attended"),
        ReservationStatus.CANCELLED.value: lambda: _(", cancelled after the deadline"),
    }
    note = notes.get(reservation.status)
    prepaid = timedelta(minutes=reservation.prepaid_minutes or 0)
    if reservation.start_at + prepaid >= reservation.end_at:
        return None
    return _machine_time_charge(
        machine=reservation.machine,
        user=reservation.user,
        company=reservation.company,
        started_at=reservation.start_at + prepaid,
        ended_at=reservation.end_at,
        source_type="reservation",
        source_id=reservation.id,
        note=_in_invoice_language(note) if note else "",
    )


def _bills_reservation(reservation: Reservation, policy: str) -> bool:
    settings = get_billing_settings()
    status = reservation.status
    if status == ReservationStatus.COMPLETED:
        return bills_booked_time(reservation, policy) or not _has_usage(reservation)
    if status == ReservationStatus.NO_SHOW:
        return settings.bill_no_shows
    if status == ReservationStatus.CANCELLED:
        return reservation.bill_cancellation and settings.bill_late_cancellations
    return False


def _has_usage(reservation: Reservation) -> bool:
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(UsageSession.id)).where(
                UsageSession.reservation_id == reservation.id
            )
        )
    )


def customer_key(user: User | None, company: Company | None) -> tuple[int | None, int | None]:
    """Who is billed, as ``(company_id, None)`` or ``(None, user_id)``: one invoice each."""
    payer, _category = payer_for(user, company)
    return (payer.id, None) if payer is not None else (None, user.id if user else None)


def collect_charges(*, until: datetime, customer: tuple | None = None) -> int:
    """Turn every billable session and booking that ended before ``until`` into charges
    (only those billed to ``customer``, a ``customer_key``, when given)."""
    policy = get_billing_settings().time_policy
    made = 0
    sessions = db.session.scalars(
        sa.select(UsageSession)
        .where(
            UsageSession.status == UsageStatus.CLOSED.value,
            UsageSession.charged_at.is_(None),
            UsageSession.ended_at < until,
        )
        .order_by(UsageSession.id)
    ).all()
    for session in sessions:
        if customer is None or customer_key(session.user, session.company) == customer:
            made += len(charge_usage_session(session, policy))
    for reservation in _uncharged_reservations(until):
        if customer is None or customer_key(reservation.user, reservation.company) == customer:
            made += 1 if charge_reservation(reservation, policy) else 0
    return made


def _uncharged_reservations(until: datetime) -> list[Reservation]:
    already = sa.select(Charge.id).where(
        Charge.source_type == "reservation", Charge.source_id == Reservation.id
    )
    billable = sa.or_(
        Reservation.status.in_(
            [ReservationStatus.COMPLETED.value, ReservationStatus.NO_SHOW.value]
        ),
        sa.and_(
            Reservation.status == ReservationStatus.CANCELLED.value,
            Reservation.bill_cancellation.is_(True),
        ),
    )
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .where(billable, Reservation.end_at < until, ~already.exists())
            .order_by(Reservation.id)
        ).all()
    )


def charge_membership(*, user: User, year: int, created_by: User | None = None) -> Charge | None:
    """The yearly membership fee of a person (once per year); None when their category pays none."""
    fee = get_billing_settings().membership_fee_for(user.category)
    if fee <= 0:
        return None
    description = _in_invoice_language(
        lambda: _("Membership %(year)d, %(who)s", year=year, who=user.display_name)
    )
    return add_charge(
        kind=ChargeKind.MEMBERSHIP.value,
        description=description,
        quantity_milli=pricing.MILLI,
        unit_price_cents=fee,
        source_type="membership",
        source_id=user.id,
        source_key=f"membership:{year}:user:{user.id}",
        user=user,
        created_by=created_by,
    )


def uninvoiced_charges(*, before: datetime | None = None) -> list[Charge]:
    query = sa.select(Charge).where(Charge.invoice_line_id.is_(None))
    if before is not None:
        query = query.where(Charge.occurred_at < before)
    return list(db.session.scalars(query.order_by(Charge.occurred_at, Charge.id)).all())
