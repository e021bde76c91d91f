"""Paid slots (purpose ``slot``): a booking held while its payer pays by card, then confirmed.

The lab's policy (``PaymentSettings``) says which customer categories prepay.
For them a booking is created ``held`` (it blocks the machine like any active
booking) and a Checkout is started. Once paid, the hold is confirmed and the
booked machine time is invoiced and marked paid; the charge uses the key
``reservation:<id>`` so the end-of-booking billing finds it and never bills the
booking twice. A payment that arrives after the hold expired re-books the same
slot when it is still free, otherwise it is refunded (CannotFulfil).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from fablab.accounts.models import Company, User
from fablab.billing import pricing
from fablab.billing.charges import add_charge, payer_for
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import Charge, ChargeKind, Invoice
from fablab.bookings import lifecycle
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.bookings.notifications import notify_confirmed
from fablab.bookings.services import create_reservation
from fablab.errors import DomainError
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.settings import get_settings
from fablab.machines.zone import to_local
from fablab.payments.checkout import settle_invoice, start_checkout, stripe_enabled
from fablab.payments.models import CheckoutRecord
from fablab.payments.purposes import CannotFulfil, register_purpose
from fablab.payments.settings import get_payment_settings

PURPOSE = "slot"


def must_prepay(user: User, company: Company | None = None) -> bool:
    """Whether this booking must be paid by card now (policy of the payer's category)."""
    if not stripe_enabled() or user.is_manager:
        return False
    _payer, category = payer_for(user, company)
    return get_payment_settings().must_prepay(category)


@dataclass(frozen=True)
class SlotPrice:
    priced: pricing.Priced
    vat_rate_bp: int
    company: Company | None

    @property
    def excl_cents(self) -> int:
        return self.priced.amount_cents

    @property
    def incl_cents(self) -> int:
        return self.excl_cents + pricing.line_vat(self.excl_cents, self.vat_rate_bp)


def slot_price(
    *,
    machine: Machine,
    user: User,
    company: Company | None,
    start: datetime,
    end: datetime,
    prepaid_minutes: int = 0,
) -> SlotPrice:
    """What a slot costs its payer (the existing machine-time pricing and the category's rate);
    minutes already drawn from a prepaid pack are not charged again."""
    payer, category = payer_for(user, company)
    seconds = max(int((end - start).total_seconds()) - 60 * prepaid_minutes, 0)
    priced = pricing.machine_time_price(
        hourly_rate_cents=machine.rate_for(category),
        duration_seconds=seconds,
        increment_minutes=machine.billing_increment_minutes,
    )
    return SlotPrice(priced=priced, vat_rate_bp=get_settings().vat_rate_bp, company=payer)


def _description(reservation: Reservation) -> str:
    local = to_local(reservation.start_at)
    minutes = int((reservation.end_at - reservation.start_at).total_seconds()) // 60
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _(
            "%(machine)s, %(day)s %(start)s, %(minutes)d min (%(who)s)",
            machine=reservation.machine.name,
            day=local.strftime("%d/%m/%Y"),
            start=local.strftime("%H:%M"),
            minutes=minutes,
            who=reservation.user.display_name,
        )


def book_paid_slot(
    *,
    machine: Machine,
    user: User,
    start: datetime,
    end: datetime,
    company: Company | None = None,
    note: str = "",
    success_url: str,
    cancel_url: str,
    now: datetime | None = None,
) -> tuple[Reservation, CheckoutRecord | None]:
    """Hold the slot, then start its Checkout; a free slot is confirmed at once (no record).

    Raises what ``create_reservation`` raises (SlotTaken, RuleViolation…) and
    the Checkout errors. Only flushes; the edge commits then redirects.
    """
    reservation = create_reservation(
        machine=machine,
        user=user,
        start=start,
        end=end,
        company=company,
        note=note,
        status=ReservationStatus.HELD.value,
        hold_minutes=get_payment_settings().hold_minutes,
        now=now,
    )
    price = reservation_price(reservation)
    if price.incl_cents <= 0:
        lifecycle.confirm_hold(reservation, now=now)
        return reservation, None
    record = start_checkout(
        purpose=PURPOSE,
        reference_id=reservation.id,
        amount_cents=price.incl_cents,
        description=_description(reservation),
        user=user,
        company=price.company,
        success_url=success_url,
        cancel_url=cancel_url,
        now=now,
    )
    return reservation, record


def reservation_price(reservation: Reservation) -> SlotPrice:
    return slot_price(
        machine=reservation.machine,
        user=reservation.user,
        company=reservation.company,
        start=reservation.start_at,
        end=reservation.end_at,
        prepaid_minutes=reservation.prepaid_minutes or 0,
    )


def slot_charge(reservation: Reservation) -> Charge | None:
    """The booked machine time as a charge keyed ``reservation:<id>`` (found later, never twice);
    None when prepaid pack minutes cover it all."""
    price = reservation_price(reservation)
    if price.excl_cents <= 0:
        return None
    return add_charge(
        kind=ChargeKind.MACHINE_TIME.value,
        description=_description(reservation),
        unit=f"{reservation.machine.billing_increment_minutes} min",
        quantity_milli=price.priced.quantity_milli,
        unit_price_cents=price.priced.unit_price_cents,
        source_type="reservation",
        source_id=reservation.id,
        user=reservation.user,
        company=price.company,
        occurred_at=reservation.start_at,
    )


def _rebook(expired: Reservation, now: datetime) -> Reservation:
    """The same slot again, for a payment that arrived after its hold expired."""
    try:
        return create_reservation(
            machine=expired.machine,
            user=expired.user,
            start=expired.start_at,
            end=expired.end_at,
            company=expired.company,
            note=expired.note or "",
            now=now,
        )
    except DomainError:
        raise CannotFulfil(
            _(
                "Your payment arrived after the hold on %(what)s had expired, and the slot "
                "has been taken (or can no longer be booked) meanwhile.",
                what=_description(expired),
            )
        ) from None


def on_paid(record: CheckoutRecord, *, now: datetime) -> None:
    reservation = db.session.get(Reservation, record.reference_id, with_for_update=True)
    if reservation is None:
        raise CannotFulfil(_("The booking you paid for no longer exists."))
    if reservation.status == ReservationStatus.HELD:
        lifecycle.confirm_hold(reservation, now=now)
        notify_confirmed(reservation)  # a re-booking below is announced by the booking services
    elif reservation.status == ReservationStatus.EXPIRED:
        reservation = _rebook(reservation, now)
    else:
        raise CannotFulfil(_("The booking you paid for was cancelled before the payment."))
    charge = slot_charge(reservation)
    if charge is None:  # prepaid hours cover it now: the booking stands, the money goes back
        from fablab.payments.refunds import refund_checkout

        refund_checkout(
            record=record,
            reason=_("Your prepaid hours cover this booking."),
            automatic=True,
            credit=False,
        )
        return
    settle_invoice(record, charges=[charge])


def on_expired(record: CheckoutRecord, *, now: datetime) -> None:
    reservation = db.session.get(Reservation, record.reference_id, with_for_update=True)
    if reservation is not None and reservation.status == ReservationStatus.HELD:
        lifecycle.transition(reservation, ReservationStatus.EXPIRED, now=now)


register_purpose(PURPOSE, on_paid=on_paid, on_expired=on_expired)


@dataclass(frozen=True)
class SlotPurchase:
    reservation: Reservation
    record: CheckoutRecord | None
    invoice: Invoice | None


def buy_slot(
    *,
    machine: Machine,
    user: User,
    start: datetime,
    end: datetime,
    company: Company | None = None,
    note: str = "",
    success_url: str,
    cancel_url: str,
) -> SlotPurchase:
    """Pay a slot now: by card through Checkout (held until paid), or without Stripe booked and
    invoiced at once (to pay at the desk or by transfer). Only flushes."""
    if stripe_enabled():
        reservation, record = book_paid_slot(
            machine=machine,
            user=user,
            start=start,
            end=end,
            company=company,
            note=note,
            success_url=success_url,
            cancel_url=cancel_url,
        )
        return SlotPurchase(reservation, record, None)
    reservation = create_reservation(
        machine=machine, user=user, start=start, end=end, company=company, note=note
    )
    charge = slot_charge(reservation)
    if charge is None:
        return SlotPurchase(reservation, None, None)
    payer = charge.company
    invoice = issue_invoice(charges=[charge], user=None if payer else user, company=payer)
    return SlotPurchase(reservation, None, invoice)


class PaymentRequired(DomainError):
    """The lab's policy asks this payer to pay the slot when booking it."""

    status = 402
    code = "payment_required"

    def default_message(self):
        from flask_babel import lazy_gettext as _l

        return _l("This slot must be paid when booking: use POST /api/v1/payments/slots.")
