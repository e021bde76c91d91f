"""Prepaid hour packs: products the lab sells, packs held by a person or a company,
and the minutes bookings draw from them.

A booking on an account draws its minutes from that account's packs valid for
the machine's kind, the one expiring first first, inside the booking's own
transaction (the booking services send their signals before the commit, see
``offer_signals``). The packs are read with ``SELECT … FOR UPDATE`` on
PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and the
database refuses a pack below zero (check constraint), so two employees booking
at once never overspend. A booking keeps in ``prepaid_minutes`` what it drew;
billing charges only the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Category, Company, User
from fablab.billing.models import ChargeKind
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.bookings.rules import resolve_rules
from fablab.errors import Forbidden
from fablab.extensions import db
from fablab.payments.offer_common import (
    OfferError,
    add_months,
    check_buyer,
    invoice_charge,
    purchase_charge,
)
from fablab.payments.offer_models import Pack, PackDraw, PackProduct, PurchaseStatus
from fablab.payments.purchases import Purchase, register_purchase
from fablab.timeutil import utcnow

# -- buying -----------------------------------------------------------------------


def start_pack(
    *, product: PackProduct, by: User, user: User | None = None, company: Company | None = None
) -> Pack:
    """A pending pack for a person (themselves) or a company (bought by its contact)."""
    if not product.active and not by.is_manager:
        raise OfferError(_l("This pack is no longer sold."), field="product")
    if (user is None) == (company is None):
        raise OfferError(_l("A pack belongs to one person or one company."))
    check_buyer(by=by, user=user, company=company)
    now = utcnow()
    pack = Pack(
        product=product,
        user_id=user.id if user else None,
        company_id=company.id if company else None,
        status=PurchaseStatus.PENDING.value,
        machine_kinds=product.machine_kinds,
        minutes_total=product.minutes,
        minutes_remaining=product.minutes,
        price_cents=product.price_cents,
        starts_at=now,
        expires_at=add_months(now, product.validity_months),
        bought_by_id=by.id,
    )
    db.session.add(pack)
    db.session.flush()
    return pack


def pack_charge(pack: Pack, *, by: User | None = None):
    owner = pack.company.legal_name if pack.company else pack.user.display_name
    return purchase_charge(
        kind=ChargeKind.PACK.value,
        source_type="pack",
        source_id=pack.id,
        description=f"{pack.product.name_fr} ({owner})",
        price_cents=pack.price_cents,
        user=pack.user,
        company=pack.company,
        by=by,
    )


def activate_pack(pack: Pack, *, now: datetime | None = None) -> Pack:
    """Paid: the pack's validity starts now."""
    if pack.status == PurchaseStatus.ACTIVE.value:
        return pack
    if pack.status != PurchaseStatus.PENDING.value:
        raise OfferError(_l("This pack can no longer be activated."))
    now = now or utcnow()
    pack.starts_at = now
    pack.expires_at = add_months(now, pack.product.validity_months)
    pack.status = PurchaseStatus.ACTIVE.value
    db.session.flush()
    return pack


def buy_on_invoice(
    *,
    product: PackProduct,
    by: User,
    user: User | None = None,
    company: Company | None = None,
    paid_with: str | None = None,
) -> Pack:
    """Buy without card: the invoice is issued at once (paid at the desk when ``paid_with``)."""
    if paid_with is not None and not by.is_manager:
        raise Forbidden(_l("Only a manager records a payment at the desk."))
    pack = start_pack(product=product, by=by, user=user, company=company)
    invoice = invoice_charge(
        pack_charge(pack, by=by), user=user, company=company, by=by, paid_with=paid_with
    )
    pack.invoice_id = invoice.id
    return activate_pack(pack)


def cancel_pending(pack: Pack) -> None:
    if pack.status == PurchaseStatus.PENDING.value:
        pack.status = PurchaseStatus.CANCELLED.value
        db.session.flush()


# -- drawing minutes ------------------------------------------------------------------


def account_of(reservation: Reservation) -> tuple[int | None, int | None]:
    """(user id, company id) whose packs pay for a booking: the company it is billed to."""
    company_id = reservation.company_id
    user = reservation.user
    if company_id is None and user.category == Category.COMPANY and user.company_id:
        company_id = user.company_id
    return (None, company_id) if company_id else (reservation.user_id, None)


def _usable_packs(user_id: int | None, company_id: int | None, at: datetime):
    """The account's packs with minutes left that are valid at ``at``, expiring first first."""
    owner = Pack.company_id == company_id if company_id else Pack.user_id == user_id
    return (
        sa.select(Pack)
        .where(
            owner,
            Pack.status == PurchaseStatus.ACTIVE.value,
            Pack.minutes_remaining > 0,
            Pack.starts_at <= at,
            Pack.expires_at > at,
        )
        .order_by(Pack.expires_at, Pack.id)
    )


def _locked_packs(reservation: Reservation) -> list[Pack]:
    user_id, company_id = account_of(reservation)
    packs = db.session.scalars(
        _usable_packs(user_id, company_id, reservation.start_at)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return [pack for pack in packs if reservation.machine.kind in pack.kinds]


def minutes_to_draw(
    *, user: User, company: Company | None, machine_kind: str, start: datetime, minutes: int
) -> int:
    """How many of ``minutes`` a booking starting at ``start`` would draw from packs now
    (the same packs ``draw_for`` takes from; nothing is locked or changed)."""
    company_id = company.id if company else None
    if company_id is None and user.category == Category.COMPANY and user.company_id:
        company_id = user.company_id
    packs = db.session.scalars(
        _usable_packs(None if company_id else user.id, company_id, start)
    ).all()
    available = sum(p.minutes_remaining for p in packs if machine_kind in p.kinds)
    return min(available, max(minutes, 0))


def booked_minutes(reservation: Reservation) -> int:
    return int((reservation.end_at - reservation.start_at).total_seconds() // 60)


def draw_for(reservation: Reservation) -> int:
    """Take the booking's minutes from the account's packs (expiring first first)."""
    if reservation.status != ReservationStatus.CONFIRMED.value:
        return 0  # a held slot is being paid by card
    needed = booked_minutes(reservation)
    taken = 0
    for pack in _locked_packs(reservation):
        if taken >= needed:
            break
        take = min(pack.minutes_remaining, needed - taken)
        pack.minutes_remaining -= take
        db.session.add(PackDraw(pack_id=pack.id, reservation_id=reservation.id, minutes=take))
        taken += take
    reservation.prepaid_minutes = taken
    db.session.flush()
    return taken


def give_back(reservation: Reservation, *, reason: str) -> int:
    """Return what a booking drew to its packs (to an expired pack: counted as expired)."""
    net = db.session.execute(
        sa.select(PackDraw.pack_id, sa.func.sum(PackDraw.minutes))
        .where(PackDraw.reservation_id == reservation.id)
        .group_by(PackDraw.pack_id)
        .having(sa.func.sum(PackDraw.minutes) > 0)
        .order_by(PackDraw.pack_id)
    ).all()
    if not net:
        return 0
    minutes_by_pack = {pack_id: int(minutes) for pack_id, minutes in net}
    packs = db.session.scalars(
        sa.select(Pack)
        .where(Pack.id.in_(minutes_by_pack))
        .order_by(Pack.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for pack in packs:
        minutes = minutes_by_pack[pack.id]
        if pack.status == PurchaseStatus.EXPIRED.value:
            pack.expired_minutes += minutes
        else:
            pack.minutes_remaining += minutes
        db.session.add(
            PackDraw(
                pack_id=pack.id, reservation_id=reservation.id, minutes=-minutes, reason=reason
            )
        )
    reservation.prepaid_minutes = 0
    db.session.flush()
    return sum(minutes_by_pack.values())


def on_cancelled(reservation: Reservation) -> int:
    """Cancelled before the deadline: the minutes come back; later, the slot counts as used."""
    if not reservation.prepaid_minutes:
        return 0
    deadline_hours = resolve_rules(reservation.machine).cancel_deadline_hours
    cancelled_at = reservation.cancelled_at or utcnow()
    if cancelled_at > reservation.start_at - timedelta(hours=deadline_hours):
        return 0
    return give_back(reservation, reason="cancelled")


def on_moved(reservation: Reservation) -> int:
    """A moved booking gives its minutes back and draws again for its new time."""
    give_back(reservation, reason="moved")
    return draw_for(reservation)


# -- expiry and reports -----------------------------------------------------------------


def expire_packs(*, now: datetime | None = None) -> list[Pack]:
    """Packs past their date expire; their unused minutes are kept as ``expired_minutes``."""
    now = now or utcnow()
    packs = list(
        db.session.scalars(
            sa.select(Pack)
            .where(Pack.status == PurchaseStatus.ACTIVE.value, Pack.expires_at <= now)
            .order_by(Pack.id)
            .with_for_update()
        )
    )
    for pack in packs:
        pack.expired_minutes += pack.minutes_remaining
        pack.minutes_remaining = 0
        pack.status = PurchaseStatus.EXPIRED.value
        pack.expired_at = now
    db.session.flush()
    return packs


def packs_of(*, user: User | None = None, company: Company | None = None) -> list[Pack]:
    owner = Pack.company_id == company.id if company else Pack.user_id == user.id
    return list(
        db.session.scalars(
            sa.select(Pack)
            .where(owner, Pack.status != PurchaseStatus.PENDING.value)
            .order_by(Pack.status, Pack.expires_at)
        )
    )


def remaining_minutes(*, user: User | None = None, company: Company | None = None) -> int:
    now = utcnow()
    return sum(
        pack.minutes_remaining
        for pack in packs_of(user=user, company=company)
        if pack.status == PurchaseStatus.ACTIVE.value and pack.expires_at > now
    )


@dataclass(frozen=True)
class PackReport:
    sold_minutes: int
    used_minutes: int
    remaining_minutes: int
    expired_minutes: int
    sold_cents: int
    deferred_cents: int  # the price of the minutes still to be used
    expired_cents: int  # the price of the minutes that expired unused


def value_of(pack: Pack, minutes: int) -> int:
    return pack.price_cents * minutes // pack.minutes_total if pack.minutes_total else 0


def pack_report() -> tuple[list[Pack], PackReport]:
    """Every sold pack and the totals a manager (or the accountant) needs."""
    packs = list(
        db.session.scalars(
            sa.select(Pack)
            .where(Pack.status.in_([PurchaseStatus.ACTIVE.value, PurchaseStatus.EXPIRED.value]))
            .order_by(Pack.expires_at.desc())
        )
    )
    remaining = sum(p.minutes_remaining for p in packs)
    expired = sum(p.expired_minutes for p in packs)
    sold = sum(p.minutes_total for p in packs)
    report = PackReport(
        sold_minutes=sold,
        used_minutes=sold - remaining - expired,
        remaining_minutes=remaining,
        expired_minutes=expired,
        sold_cents=sum(p.price_cents for p in packs),
        deferred_cents=sum(value_of(p, p.minutes_remaining) for p in packs),
        expired_cents=sum(value_of(p, p.expired_minutes) for p in packs),
    )
    return packs, report


# -- paying by card (purpose "pack") ---------------------------------------------------------

checkout_pack = register_purchase(
    Purchase(
        purpose="pack",
        model=Pack,
        title=lambda pack: pack.product.name_fr,
        charge=pack_charge,
        activate=activate_pack,
        already_paid=_l("This pack was already paid."),
    )
)
