"""Helpers shared by the offer's services: months arithmetic, invoicing a purchase, links."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Company, User
from fablab.billing import pricing
from fablab.billing.charges import add_charge
from fablab.billing.invoices import issue_invoice
from fablab.billing.models import Charge, Invoice, PaymentMethod
from fablab.billing.payments import record_payment
from fablab.errors import DomainError, Forbidden


class OfferError(DomainError):
    status = 422
    code = "invalid"


DESK_METHODS = (
    PaymentMethod.CASH.value,
    PaymentMethod.CARD.value,
    PaymentMethod.TRANSFER.value,
    PaymentMethod.CHEQUE.value,
)


def add_months(value: datetime, months: int) -> datetime:
    return value + relativedelta(months=months)


def check_buyer(*, by: User, user: User | None, company: Company | None) -> None:
    """A person buys for themselves, a company contact for their company, a manager for anyone."""
    if by.is_manager:
        return
    if company is not None:
        if not (by.is_company_contact and by.company_id == company.id):
            raise Forbidden(_l("Only a contact of the company can buy for it."))
    elif user is None or user.id != by.id:
        raise Forbidden(_l("You can only buy for yourself."))


def purchase_charge(
    *,
    kind: str,
    source_type: str,
    source_id: int,
    description: str,
    price_cents: int,
    user: User | None,
    company: Company | None,
    by: User | None,
) -> Charge:
    return add_charge(
        kind=kind,
        description=description,
        quantity_milli=pricing.MILLI,
        unit_price_cents=price_cents,
        source_type=source_type,
        source_id=source_id,
        user=user if company is None else None,
        company=company,
        created_by=by,
    )


def invoice_charge(
    charge: Charge,
    *,
    user: User | None,
    company: Company | None,
    by: User | None,
    paid_with: str | None = None,
    reference: str = "",
) -> Invoice:
    """Issue the invoice of one purchase; with ``paid_with`` record its payment at the desk."""
    if paid_with is not None and paid_with not in DESK_METHODS:
        raise OfferError(_l("Unknown payment method."), field="method")
    invoice = issue_invoice(
        charges=[charge],
        user=user if company is None else None,
        company=company,
        issued_by=by,
    )
    if paid_with is not None and invoice.total_incl_cents > 0:
        record_payment(
            invoice=invoice,
            amount_cents=invoice.total_incl_cents,
            method=paid_with,
            reference=reference,
            recorded_by=by,
        )
    return invoice


def price_incl_vat(price_cents: int, vat_rate_bp: int | None = None) -> int:
    """What the customer pays by card for a price excl. VAT (the lab's VAT rate by default)."""
    from fablab.machines.settings import get_settings

    rate = get_settings().vat_rate_bp if vat_rate_bp is None else vat_rate_bp
    return pricing.document_totals([(price_cents, rate)]).incl_cents
