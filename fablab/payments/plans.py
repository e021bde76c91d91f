"""Memberships: plans the lab sells and the price category they grant.

Buying a plan makes a membership (pending until paid by card, or active at
once when invoiced for the desk or a transfer). An active membership sets the
person's category (or the category of the company's first ``max_employees``
employees) until it ends; the expiry job puts them back to the public rate,
unless another membership still covers them, and a reminder goes 30 days
before the end. Renewing before the end starts the new membership when the
current one ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fablab.accounts.models import Category, Company, User
from fablab.billing.models import ChargeKind
from fablab.errors import Forbidden
from fablab.extensions import db
from fablab.payments.offer_common import (
    OfferError,
    add_months,
    check_buyer,
    invoice_charge,
    purchase_charge,
)
from fablab.payments.offer_models import GrantedCategory, Membership, Plan, PurchaseStatus
from fablab.payments.purchases import Purchase, register_purchase
from fablab.timeutil import utcnow

REMINDER_DAYS = 30


def list_plans(*, active_only: bool = False) -> list[Plan]:
    query = sa.select(Plan).order_by(Plan.for_company, Plan.price_cents, Plan.id)
    if active_only:
        query = query.where(Plan.active.is_(True))
    return list(db.session.scalars(query))


def save_plan(
    *,
    plan: Plan | None = None,
    name_fr: str,
    name_en: str,
    price_cents: int,
    validity_months: int,
    category: str,
    for_company: bool,
    max_employees: int | None = None,
    active: bool = True,
) -> Plan:
    """Create or change a plan (a change applies to later purchases only)."""
    if not (name_fr or "").strip():
        raise OfferError(_l("A name is required."), field="name_fr")
    if price_cents < 0:
        raise OfferError(_l("The price cannot be negative."), field="price")
    if not 1 <= validity_months <= 120:
        raise OfferError(_l("Validity: 1 to 120 months."), field="validity_months")
    if category not in {c.value for c in GrantedCategory}:
        raise OfferError(_l("Unknown category."), field="category")
    if for_company and not max_employees:
        raise OfferError(_l("A company plan covers at least one employee."), field="max_employees")
    plan = plan or Plan()
    plan.name_fr = name_fr.strip()[:120]
    plan.name_en = (name_en or name_fr).strip()[:120]
    plan.price_cents = price_cents
    plan.validity_months = validity_months
    plan.category = category
    plan.for_company = for_company
    plan.max_employees = max_employees if for_company else None
    plan.active = active
    db.session.add(plan)
    db.session.flush()
    return plan


def _owner_filter(user: User | None, company: Company | None):
    if company is not None:
        return Membership.company_id == company.id
    return Membership.user_id == user.id


def _latest_end(user: User | None, company: Company | None, now: datetime) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(Membership.ends_at)).where(
            _owner_filter(user, company),
            Membership.status == PurchaseStatus.ACTIVE.value,
            Membership.ends_at > now,
        )
    )


def start_membership(
    *, plan: Plan, by: User, user: User | None = None, company: Company | None = None
) -> Membership:
    """A pending membership of ``plan`` for a person or (company plan) a company."""
    if not plan.active and not by.is_manager:
        raise OfferError(_l("This plan is no longer sold."), field="plan")
    if plan.for_company and company is None:
        raise OfferError(_l("This plan is for companies."), field="plan")
    if not plan.for_company and (company is not None or user is None):
        raise OfferError(_l("This plan is for a person."), field="plan")
    check_buyer(by=by, user=user, company=company)
    now = utcnow()
    membership = Membership(
        plan=plan,
        user_id=None if company else user.id,
        company_id=company.id if company else None,
        status=PurchaseStatus.PENDING.value,
        category=plan.category,
        price_cents=plan.price_cents,
        starts_at=now,
        ends_at=add_months(now, plan.validity_months),
        bought_by_id=by.id,
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def membership_charge(membership: Membership, *, by: User | None = None):
    plan = membership.plan
    owner = membership.company.legal_name if membership.company else membership.user.display_name
    return purchase_charge(
        kind=ChargeKind.MEMBERSHIP.value,
        source_type="membership_plan",
        source_id=membership.id,
        description=f"{plan.name_fr} ({owner})",
        price_cents=membership.price_cents,
        user=membership.user,
        company=membership.company,
        by=by,
    )


def activate_membership(membership: Membership, *, now: datetime | None = None) -> Membership:
    """Paid: the membership starts now, or when the owner's current one ends (renewal)."""
    if membership.status == PurchaseStatus.ACTIVE.value:
        return membership
    if membership.status != PurchaseStatus.PENDING.value:
        raise OfferError(_l("This membership can no longer be activated."))
    now = now or utcnow()
    starts = max(now, _latest_end(membership.user, membership.company, now) or now)
    membership.starts_at = starts
    membership.ends_at = add_months(starts, membership.plan.validity_months)
    membership.status = PurchaseStatus.ACTIVE.value
    db.session.flush()
    refresh_categories(user=membership.user, company=membership.company, now=now)
    return membership


def buy_on_invoice(
    *,
    plan: Plan,
    by: User,
    user: User | None = None,
    company: Company | None = None,
    paid_with: str | None = None,
) -> Membership:
    """Buy without card: the invoice is issued at once (paid at the desk when ``paid_with``)."""
    if paid_with is not None and not by.is_manager:
        raise Forbidden(_l("Only a manager records a payment at the desk."))
    membership = start_membership(plan=plan, by=by, user=user, company=company)
    charge = membership_charge(membership, by=by)
    invoice = invoice_charge(charge, user=user, company=company, by=by, paid_with=paid_with)
    membership.invoice_id = invoice.id
    return activate_membership(membership)


def covered_employees(company: Company, plan: Plan) -> list[User]:
    """The company's employees a company plan covers: contacts first, then by seniority."""
    employees = db.session.scalars(
        sa.select(User)
        .where(User.company_id == company.id, User.active.is_(True))
        .order_by(User.is_company_contact.desc(), User.id)
    ).all()
    return list(employees)[: plan.max_employees or 0]


def _covering(query, now: datetime) -> Membership | None:
    return db.session.scalar(
        query.where(
            Membership.status == PurchaseStatus.ACTIVE.value,
            Membership.starts_at <= now,
            Membership.ends_at > now,
        )
        .order_by(Membership.ends_at.desc())
        .limit(1)
    )


def category_for(user: User, *, now: datetime) -> str:
    """What the person's memberships give them now; the public rate without any."""
    own = _covering(sa.select(Membership).where(Membership.user_id == user.id), now)
    if own is not None:
        return own.category
    if user.company_id is not None:
        theirs = _covering(
            sa.select(Membership).where(Membership.company_id == user.company_id), now
        )
        if theirs is not None and user in covered_employees(user.company, theirs.plan):
            return theirs.category
    return Category.PUBLIC.value


def refresh_categories(
    *, user: User | None = None, company: Company | None = None, now: datetime
) -> None:
    people = [user] if user is not None else list(company.employees if company else [])
    for person in people:
        person.category = category_for(person, now=now)
    db.session.flush()


def active_membership(*, user: User | None = None, company: Company | None = None):
    query = sa.select(Membership).where(_owner_filter(user, company))
    return _covering(query, utcnow())


def memberships_of(*, user: User | None = None, company: Company | None = None):
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(_owner_filter(user, company), Membership.status != PurchaseStatus.PENDING.value)
            .order_by(Membership.ends_at.desc())
        )
    )


def expire_memberships(*, now: datetime | None = None) -> list[Membership]:
    """Ended memberships expire; their holders go back to what remains (public rate)."""
    now = now or utcnow()
    ended = list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.status == PurchaseStatus.ACTIVE.value,
                Membership.ends_at <= now,
            )
            .order_by(Membership.id)
        )
    )
    for membership in ended:
        membership.status = PurchaseStatus.EXPIRED.value
        membership.expired_at = now
    db.session.flush()
    for membership in ended:
        refresh_categories(user=membership.user, company=membership.company, now=now)
    return ended


def memberships_to_remind(*, now: datetime) -> list[Membership]:
    """Active memberships ending within 30 days, not yet reminded, with no renewal after them."""
    later = sa.orm.aliased(Membership)
    renewed = (
        sa.select(later.id)
        .where(
            later.status == PurchaseStatus.ACTIVE.value,
            later.ends_at > Membership.ends_at,
            sa.or_(
                sa.and_(later.user_id.is_not(None), later.user_id == Membership.user_id),
                sa.and_(later.company_id.is_not(None), later.company_id == Membership.company_id),
            ),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.status == PurchaseStatus.ACTIVE.value,
                Membership.reminder_sent_at.is_(None),
                Membership.ends_at > now,
                Membership.ends_at <= now + timedelta(days=REMINDER_DAYS),
                ~renewed,
            )
            .order_by(Membership.id)
        )
    )


# -- paying by card (purpose "membership") ------------------------------------------------

checkout_membership = register_purchase(
    Purchase(
        purpose="membership",
        model=Membership,
        title=lambda membership: membership.plan.name_fr,
        charge=membership_charge,
        activate=activate_membership,
        already_paid=_l("This membership was already paid."),
    )
)
