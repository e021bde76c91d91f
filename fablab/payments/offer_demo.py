"""Demo offer: plans, packs, catalogue services, a membership, a company pack, a quote request."""

from __future__ import annotations

import sqlalchemy as sa

from fablab.accounts.models import Company, User
from fablab.extensions import db
from fablab.payments import offer_catalogue, pack_products, packs, plans, quotes
from fablab.payments.offer_models import CatalogueService


def _seed_catalogue() -> None:
    services = [
        ("prototyping", "Prototypage par l'équipe du lab", "Prototyping by the lab's staff", 6000),
        ("cutting", "Découpe laser à façon", "Laser cutting job", 8000),
        (
            "training",
            "Formation privée pour vos salariés",
            "Private training for your staff",
            45000,
        ),
        ("workshop", "Atelier privatisé (demi-journée)", "Privatised workshop (half a day)", 60000),
    ]
    for kind, name_fr, name_en, price in services:
        offer_catalogue.save_service(
            kind=kind,
            name_fr=name_fr,
            name_en=name_en,
            unit="h" if kind in ("prototyping", "cutting") else "session",
            unit_price_cents=price,
        )


def seed_offer() -> None:
    """Runs inside the caller's transaction, after the demo accounts and billing settings."""
    yearly = plans.save_plan(
        name_fr="Adhésion annuelle",
        name_en="Yearly membership",
        price_cents=3000,
        validity_months=12,
        category="member",
        for_company=False,
    )
    plans.save_plan(
        name_fr="Adhésion étudiant",
        name_en="Student membership",
        price_cents=1500,
        validity_months=12,
        category="reduced",
        for_company=False,
    )
    company_plan = plans.save_plan(
        name_fr="Adhésion entreprise (5 salariés)",
        name_en="Company membership (5 employees)",
        price_cents=30000,
        validity_months=12,
        category="company",
        for_company=True,
        max_employees=5,
    )
    laser = pack_products.save_product(
        name_fr="10 h laser",
        name_en="10 h laser",
        minutes=600,
        price_cents=25000,
        validity_months=12,
        machine_kinds=["laser_cutter"],
    )
    _seed_catalogue()
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    member = db.session.scalar(sa.select(User).where(User.email == "member@example.org"))
    company = db.session.scalar(sa.select(Company).where(Company.legal_name == "Demo Industries"))
    if manager is None or member is None or company is None:
        return
    plans.buy_on_invoice(plan=yearly, by=manager, user=member, paid_with="card")
    plans.buy_on_invoice(plan=company_plan, by=manager, company=company, paid_with="transfer")
    packs.buy_on_invoice(product=laser, by=manager, company=company, paid_with="transfer")
    quotes.request_quote(
        service=db.session.scalar(
            sa.select(CatalogueService).where(CatalogueService.kind == "cutting")
        ),
        company_name="Menuiserie Martin",
        company_address="12 rue du Bois\n69003 Lyon",
        contact_name="Julie Martin",
        contact_email="julie@menuiserie-martin.example.com",
        text="200 plaques de contreplaqué 3 mm découpées au laser (DXF fourni), sous 3 semaines.",
    )
