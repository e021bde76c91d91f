"""The price quote of a machine slot: what its payer would be invoiced for it.

One service for every place that shows a price before booking (the machines
list, the booking form, the confirmation e-mail, the API). It uses the same
pricing the invoice uses (``charges.machine_time_priced``, ``payer_for``, the
lab's VAT rate per line) and subtracts the minutes that prepaid packs would
pay, as ``billing.charges.charge_reservation`` does once the booking is billed.

Prepaid packs belong to the payments domain, which sits above billing: it
registers how many minutes a booking would draw (``register_prepaid_minutes``)
instead of being imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fablab.accounts.models import Company, User
from fablab.billing import pricing
from fablab.billing.charges import machine_time_priced, payer_for
from fablab.billing.settings import get_billing_settings
from fablab.machines.models import Machine
from fablab.machines.settings import get_settings

# (user, company, machine, start, minutes) -> minutes prepaid packs would pay
PrepaidMinutes = Callable[[User, Company | None, Machine, datetime, int], int]
_prepaid_sources: list[PrepaidMinutes] = []


def register_prepaid_minutes(source: PrepaidMinutes) -> None:
    """Called once by the domain that sells prepaid minutes (idempotent)."""
    if source not in _prepaid_sources:
        _prepaid_sources.append(source)


@dataclass(frozen=True)
class Quote:
    """A slot's price in integer cents, with what it is made of."""

    category: str  # the price category that applies (company when the company pays)
    company: Company | None  # the company invoiced, if any
    hourly_rate_cents: int
    increment_minutes: int
    booked_minutes: int
    prepaid_minutes: int  # drawn from prepaid packs: not invoiced
    increments: int
    increment_price_cents: int
    excl_cents: int
    vat_rate_bp: int
    vat_cents: int
    incl_cents: int
    time_policy: str  # "booked": this is the price; "used": the time used is billed
    consumable_rate_cents: int  # material comes on top, per unit used
    consumable_unit: str

    @property
    def billed_minutes(self) -> int:
        return self.booked_minutes - self.prepaid_minutes

    def as_json(self) -> dict:
        return {
            "category": self.category,
            "company_id": self.company.id if self.company else None,
            "hourly_rate_cents": self.hourly_rate_cents,
            "increment_minutes": self.increment_minutes,
            "booked_minutes": self.booked_minutes,
            "prepaid_minutes": self.prepaid_minutes,
            "billed_minutes": self.billed_minutes,
            "increments": self.increments,
            "increment_price_cents": self.increment_price_cents,
            "amount_excl_vat_cents": self.excl_cents,
            "vat_rate_bp": self.vat_rate_bp,
            "vat_cents": self.vat_cents,
            "amount_incl_vat_cents": self.incl_cents,
            "time_policy": self.time_policy,
            "consumable_rate_cents": self.consumable_rate_cents,
            "consumable_unit": self.consumable_unit,
        }


def _minutes(start: datetime, end: datetime) -> int:
    return max(int((end - start).total_seconds()) // 60, 0)


def _build(
    *,
    machine: Machine,
    user: User | None,
    company: Company | None,
    minutes: int,
    prepaid: int,
) -> Quote:
    payer, category = payer_for(user, company)
    prepaid = min(max(prepaid, 0), minutes)
    priced = machine_time_priced(machine, category, (minutes - prepaid) * 60)
    vat_rate = get_settings().vat_rate_bp
    vat = pricing.line_vat(priced.amount_cents, vat_rate)
    return Quote(
        category=category,
        company=payer,
        hourly_rate_cents=machine.rate_for(category),
        increment_minutes=machine.billing_increment_minutes,
        booked_minutes=minutes,
        prepaid_minutes=prepaid,
        increments=priced.quantity_milli // pricing.MILLI,
        increment_price_cents=priced.unit_price_cents,
        excl_cents=priced.amount_cents,
        vat_rate_bp=vat_rate,
        vat_cents=vat,
        incl_cents=priced.amount_cents + vat,
        time_policy=str(get_billing_settings().time_policy),
        consumable_rate_cents=machine.consumable_rate_cents or 0,
        consumable_unit=machine.consumable_unit or "",
    )


def quote_slot(
    *,
    machine: Machine,
    user: User | None,
    start: datetime,
    end: datetime,
    company: Company | None = None,
) -> Quote:
    """What ``user`` (None: a visitor, at the public rate) would pay for [start, end) now,
    prepaid pack minutes deducted."""
    minutes = _minutes(start, end)
    prepaid = 0
    if user is not None:
        prepaid = sum(source(user, company, machine, start, minutes) for source in _prepaid_sources)
    return _build(machine=machine, user=user, company=company, minutes=minutes, prepaid=prepaid)


def quote_booking(reservation) -> Quote:
    """The expected cost of a booking as made: its times, its payer, the minutes it drew."""
    return _build(
        machine=reservation.machine,
        user=reservation.user,
        company=reservation.company,
        minutes=_minutes(reservation.start_at, reservation.end_at),
        prepaid=reservation.prepaid_minutes or 0,
    )


def hourly_rate_for(machine: Machine, user: User | None) -> tuple[int, str]:
    """The hourly rate (excl. VAT) ``user`` pays on ``machine`` and its category."""
    _payer, category = payer_for(user, None)
    return machine.rate_for(category), category
