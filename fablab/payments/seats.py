"""Paid event seats (purpose ``registration``): a seat is held while its person pays by card.

A person with an account who registers to a paid event gets their seat
(registration confirmed, its charge recorded as today) and is sent to Stripe
Checkout; the seat stays held for the lab's hold time. Paid: the charge is
invoiced and the payment recorded. Not paid in time: the seat is released
(registration cancelled, the waitlist moves up). When the manager allows it for
the event, the person may choose to pay at the desk instead (billed as before).
Visitors without an account pay on site, as before.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from fablab.accounts.models import User
from fablab.billing import pricing
from fablab.billing.charges import find_charge, payer_for
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import Charge, Invoice
from fablab.errors import DomainError
from fablab.events.models import Event, Registration, RegistrationStatus
from fablab.events.registrations import announce, cancel_registration, register
from fablab.extensions import db
from fablab.machines.settings import get_settings
from fablab.payments.checkout import (
    amount_incl_vat,
    record_stripe_payment,
    settle_invoice,
    start_checkout,
    stripe_enabled,
)
from fablab.payments.models import CheckoutRecord, EventPaymentOption
from fablab.payments.purposes import CannotFulfil, register_purpose

PURPOSE = "registration"


def pay_at_desk_allowed(event: Event) -> bool:
    option = db.session.get(EventPaymentOption, event.id)
    return bool(option and option.pay_at_desk)


def set_pay_at_desk(event: Event, allowed: bool) -> EventPaymentOption:
    """The manager allows (or not) paying this event's seats at the desk. Only flushes."""
    option = db.session.get(EventPaymentOption, event.id)
    if option is None:
        option = EventPaymentOption(event_id=event.id)
        db.session.add(option)
    option.pay_at_desk = bool(allowed)
    db.session.flush()
    return option


def seat_price(event: Event, user: User | None) -> dict:
    """What ``user`` (None: a visitor) pays for a seat: excl. and incl. VAT, and how."""
    category = payer_for(user, None)[1] if user is not None else "public"
    excl = event.price_for(category)
    incl = excl + pricing.line_vat(excl, get_settings().vat_rate_bp)
    return {
        "category": category,
        "excl_cents": excl,
        "incl_cents": incl,
        "by_card": bool(excl and user is not None and stripe_enabled()),
        "desk_allowed": pay_at_desk_allowed(event),
    }


def card_expected(event: Event, user: User | None, *, pay_at_desk: bool = False) -> bool:
    """Whether registering ``user`` would send them to pay by card (before registering:
    their "registration confirmed" mail then waits for the payment)."""
    if user is None or not seat_price(event, user)["by_card"]:
        return False
    return not (pay_at_desk and pay_at_desk_allowed(event))


def send_held_confirmation(registration: Registration, *, held: bool) -> None:
    """The seat is not paid by card after all: send the confirmation mail held back."""
    if held and registration.status == RegistrationStatus.CONFIRMED:
        announce(registration)


def needs_card(registration: Registration, *, pay_at_desk: bool = False) -> bool:
    """Whether this registration's seat is to be paid by card now."""
    if not stripe_enabled() or registration.user is None or not registration.price_cents:
        return False
    if registration.status != RegistrationStatus.CONFIRMED:
        return False  # waitlisted: paid if and when the seat comes
    return not (pay_at_desk and pay_at_desk_allowed(registration.event))


def _seat_charge(registration: Registration) -> Charge | None:
    return find_charge("event", f"event_registration:{registration.id}")


def start_seat_checkout(
    registration: Registration, *, success_url: str, cancel_url: str
) -> CheckoutRecord:
    """The Checkout of a held seat (its charge, VAT included). Only flushes."""
    charge = _seat_charge(registration)
    if charge is None:
        raise DomainError(_("Nothing to pay for this registration."))
    return start_checkout(
        purpose=PURPOSE,
        reference_id=registration.id,
        amount_cents=amount_incl_vat([charge]),
        description=registration.event.title_fr,
        user=registration.user,
        company=charge.company,
        success_url=success_url,
        cancel_url=cancel_url,
    )


def on_paid(record: CheckoutRecord, *, now: datetime) -> None:
    registration = db.session.get(Registration, record.reference_id)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        raise CannotFulfil(
            _("Your payment arrived after your seat was released (it was not paid in time).")
        )
    charge = _seat_charge(registration)
    if charge is None:
        raise CannotFulfil(_("This seat is no longer billed."))
    if charge.is_invoiced:
        record_stripe_payment(record, charge.invoice_line.invoice)
    else:
        settle_invoice(record, charges=[charge])
    announce(registration)  # "registration confirmed" only now that the seat is paid


def on_expired(record: CheckoutRecord, *, now: datetime) -> None:
    registration = db.session.get(Registration, record.reference_id)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        return
    try:
        with db.session.begin_nested():
            cancel_registration(registration=registration, by=None, now=now)
    except DomainError:
        current_app.logger.info("seat %s not released: the event started", registration.id)


register_purpose(PURPOSE, on_paid=on_paid, on_expired=on_expired)


def buy_seat(
    *, event: Event, user: User, first_visit: bool, success_url: str, cancel_url: str
) -> tuple[Registration, CheckoutRecord | None, Invoice | None]:
    """Register and pay a seat now: by card (held until paid), or without Stripe invoiced at
    once. A waitlisted or free registration has nothing to pay yet. Only flushes."""
    held = card_expected(event, user)
    registration = register(
        event=event, user=user, first_visit=first_visit, locale=user.locale, hold_confirmation=held
    )
    if needs_card(registration):
        record = start_seat_checkout(registration, success_url=success_url, cancel_url=cancel_url)
        return registration, record, None  # confirmed by mail once paid (on_paid)
    send_held_confirmation(registration, held=held)
    charge = _seat_charge(registration)
    if charge is None or charge.is_invoiced or stripe_enabled():
        return registration, None, None
    payer = charge.company
    invoice = issue_invoice(charges=[charge], user=None if payer else user, company=payer)
    return registration, None, invoice
