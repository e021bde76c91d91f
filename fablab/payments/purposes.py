"""What a Checkout pays for: a registry of *purposes*, one per kind of purchase.

Each domain that sells something registers its purpose once, at import::

    register_purpose("slot", on_paid=confirm_paid_slot, on_expired=release_slot)

``on_paid(record, *, now)`` fulfils the purchase — confirms the booking or seat,
activates the membership or pack, issues the invoice for it with
``checkout.settle_invoice`` — and only flushes. When the purchase can no longer
be given (the hold expired and the slot was taken meanwhile, the invoice was
paid at the desk…) it raises :class:`CannotFulfil` with a message for the
customer: the core then undoes whatever ``on_paid`` did, invoices the money
received (an advance payment) and credits that invoice, refunds the payment
through Stripe, and e-mails the customer the message. When nothing was sold
(a second payment of something already paid) raise ``CannotFulfil(message,
bill=False)``: the money is refunded without an invoice or credit note.

``on_expired(record, *, now)`` releases what was held (a hold, a seat…) when the
Checkout Session expired unpaid; it must be harmless when nothing is held any
more (the hold-expiry job may have released it first).

The core calls each exactly once per Checkout, in the transaction that stores the
Stripe event. Purposes: ``slot``, ``registration``, ``invoice`` (core), and
``membership``, ``pack``, ``quote`` (the offer).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError

if TYPE_CHECKING:
    from fablab.payments.models import CheckoutRecord

OnPaid = Callable[..., None]  # (record: CheckoutRecord, *, now: datetime) -> None
OnExpired = Callable[..., None]  # (record: CheckoutRecord, *, now: datetime) -> None

#: Modules that register purposes when imported (the core's, then the offer's).
PURPOSE_MODULES = (
    "fablab.payments.slots",
    "fablab.payments.seats",
    "fablab.payments.invoice_payment",
    "fablab.payments.plans",
    "fablab.payments.packs",
    "fablab.payments.quotes",
)


class CannotFulfil(DomainError):
    """Raised by ``on_paid``: the purchase cannot be given; the payment is refunded.

    ``bill=False`` (a keyword detail): nothing was sold, refund without invoice or credit note.
    """

    status = 409
    code = "cannot_fulfil"

    def default_message(self):
        return _l("What you paid for is no longer available.")


class UnknownPurpose(DomainError):
    status = 422
    code = "invalid"

    def default_message(self):
        return _l("Unknown kind of purchase.")


@dataclass(frozen=True)
class Purpose:
    name: str
    on_paid: OnPaid
    on_expired: OnExpired


_registry: dict[str, Purpose] = {}


def register_purpose(name: str, *, on_paid: OnPaid, on_expired: OnExpired) -> Purpose:
    """Register (or re-register, e.g. on re-import) what to do when ``name`` is paid or expires."""
    if not name or len(name) > 30:
        raise ValueError("a purpose name has 1 to 30 characters")
    purpose = Purpose(name=name, on_paid=on_paid, on_expired=on_expired)
    _registry[name] = purpose
    return purpose


def load_purposes() -> None:
    """Import every module that registers a purpose (a module not written yet is skipped)."""
    for module in PURPOSE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise


def get_purpose(name: str) -> Purpose:
    """The registered purpose ``name``; UnknownPurpose when nothing registered it."""
    if name not in _registry:
        load_purposes()
    try:
        return _registry[name]
    except KeyError:
        raise UnknownPurpose() from None


def fulfil(record: CheckoutRecord, *, now: datetime) -> None:
    """Run the purpose's ``on_paid`` (CannotFulfil propagates to the caller)."""
    get_purpose(record.purpose).on_paid(record, now=now)


def release(record: CheckoutRecord, *, now: datetime) -> None:
    """Run the purpose's ``on_expired``."""
    get_purpose(record.purpose).on_expired(record, now=now)
