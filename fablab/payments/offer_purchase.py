"""Buying from the offer, the same way from the web pages and the API.

With Stripe configured the purchase waits (pending) while the buyer pays on
Stripe Checkout, and the webhook activates it. Without Stripe the invoice is
issued at once and the purchase is active; the invoice is paid at the desk or
by bank transfer like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Company, User
from fablab.billing.models import Invoice
from fablab.extensions import db
from fablab.payments import packs, plans
from fablab.payments.checkout import stripe_enabled
from fablab.payments.offer_common import OfferError
from fablab.payments.offer_models import Membership, Pack, PackProduct, Plan


@dataclass(frozen=True)
class Purchase:
    item: Membership | Pack
    checkout_url: str | None = None
    invoice: Invoice | None = None


def _buyer_company(by: User, for_company: bool) -> Company | None:
    if not for_company:
        return None
    if by.company is None:
        raise OfferError(_l("You do not belong to a company."), field="for_company")
    return by.company


def buy_membership(
    *, plan: Plan, by: User, for_company: bool, success_url: str, cancel_url: str
) -> Purchase:
    """A membership for the buyer, or (company plan) for the buyer's company."""
    company = _buyer_company(by, for_company or plan.for_company)
    user = None if company else by
    if not stripe_enabled():
        membership = plans.buy_on_invoice(plan=plan, by=by, user=user, company=company)
        return Purchase(membership, invoice=db.session.get(Invoice, membership.invoice_id))
    membership = plans.start_membership(plan=plan, by=by, user=user, company=company)
    record = plans.checkout_membership(
        membership, by=by, success_url=success_url, cancel_url=cancel_url
    )
    return Purchase(membership, checkout_url=record.url)


def buy_pack(
    *, product: PackProduct, by: User, for_company: bool, success_url: str, cancel_url: str
) -> Purchase:
    """A pack for the buyer, or for the buyer's company (a company contact)."""
    company = _buyer_company(by, for_company)
    user = None if company else by
    if not stripe_enabled():
        pack = packs.buy_on_invoice(product=product, by=by, user=user, company=company)
        return Purchase(pack, invoice=db.session.get(Invoice, pack.invoice_id))
    pack = packs.start_pack(product=product, by=by, user=user, company=company)
    record = packs.checkout_pack(pack, by=by, success_url=success_url, cancel_url=cancel_url)
    return Purchase(pack, checkout_url=record.url)
