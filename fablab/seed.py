"""The demo lab: what `make run` shows on an empty database."""

from __future__ import annotations

from datetime import date, time

from fablab.accounts.models import Category, Company, Role
from fablab.accounts.services import register_user
from fablab.billing.demo import seed_billing
from fablab.bookings.demo import seed_bookings
from fablab.events.seed import seed_events
from fablab.extensions import db
from fablab.machines.demo import seed_closures as seed_machine_closures
from fablab.machines.models import (
    ConsumableUnit,
    Machine,
    MachineKind,
    OpeningHours,
    Qualification,
)
from fablab.machines.settings import get_settings
from fablab.payments.demo import seed_payments
from fablab.payments.offer_demo import seed_offer
from fablab.reports.demo import seed_report_history
from fablab.usage.seed import seed_usage

DEMO_PASSWORD = "demo-password"  # noqa: S105


def seed_lab_settings() -> None:
    settings = get_settings()
    settings.name = "Fab Lab Démo"
    settings.legal_name = "Association Fab Lab Démo"
    settings.siret = "12345678900015"
    settings.vat_number = "FR32123456789"
    settings.address = "12 rue des Ateliers\n69007 Lyon"
    settings.email = "contact@fablab-demo.example.org"
    settings.timezone = "Europe/Paris"
    settings.vat_rate_bp = 2000
    settings.slot_step_minutes = 30
    settings.min_duration_minutes = 30
    settings.max_duration_minutes = 240
    settings.max_advance_days = 60
    settings.min_notice_minutes = 30
    settings.cancel_deadline_hours = 24
    settings.buffer_minutes = 0
    settings.weekly_quota_hours = 10
    # Tuesday to Saturday, 10:00–19:00 (Thursday until 21:00).
    for weekday in range(1, 6):
        closes = time(21) if weekday == 3 else time(19)
        db.session.add(OpeningHours(weekday=weekday, opens_at=time(10), closes_at=closes))


def seed_machines(laser_safety: Qualification) -> list[Machine]:
    printers = [
        Machine(
            name=f"Prusa MK4 #{number}",
            kind=MachineKind.PRINTER_3D,
            location="Atelier 3D",
            description="Imprimante FDM, plateau 25 × 21 × 22 cm, PLA et PETG.",
            rate_member_cents=300,
            rate_public_cents=500,
            rate_reduced_cents=200,
            rate_company_cents=1200,
            billing_increment_minutes=15,
            consumable_unit=ConsumableUnit.GRAM,
            consumable_rate_cents=6,
            unattended_allowed=True,
            purchase_cost_cents=110000,
            purchase_date=date(2024, 3, 1),
            lifetime_hours=8000,
            monthly_maintenance_cents=2500,
            max_duration_minutes=1440,
        )
        for number in (1, 2)
    ]
    machines = [
        *printers,
        Machine(
            name="Découpeuse laser Trotec",
            kind=MachineKind.LASER_CUTTER,
            location="Salle laser",
            description="Laser CO₂ 60 W, surface 61 × 30 cm : bois, acrylique, carton, cuir.",
            rate_member_cents=1500,
            rate_public_cents=2500,
            rate_reduced_cents=1000,
            rate_company_cents=6000,
            billing_increment_minutes=15,
            consumable_unit=ConsumableUnit.SHEET,
            consumable_rate_cents=400,
            required_qualification=laser_safety,
            buffer_minutes=15,
            purchase_cost_cents=1800000,
            purchase_date=date(2023, 9, 15),
            lifetime_hours=10000,
            monthly_maintenance_cents=15000,
        ),
        Machine(
            name="Fraiseuse CNC Shaper",
            kind=MachineKind.CNC_MILL,
            location="Atelier bois",
            description="Fraiseuse numérique portative pour le bois et les panneaux.",
            rate_member_cents=2000,
            rate_public_cents=3000,
            rate_reduced_cents=1500,
            rate_company_cents=7500,
            billing_increment_minutes=30,
            purchase_cost_cents=650000,
            purchase_date=date(2024, 1, 10),
            lifetime_hours=6000,
            monthly_maintenance_cents=5000,
        ),
    ]
    db.session.add_all(machines)
    return machines


def seed_accounts() -> Company:
    company = Company(
        legal_name="Demo Industries",
        siret="98765432100015",
        vat_number="FR05987654321",
        billing_address="4 avenue de l'Industrie\n69100 Villeurbanne",
        contact_email="compta@demo-industries.example.com",
    )
    db.session.add(company)
    register_user(
        email="manager@example.org",
        password=DEMO_PASSWORD,
        name="Camille Manager",
        role=Role.MANAGER,
    )
    register_user(
        email="member@example.org",
        password=DEMO_PASSWORD,
        name="Alex Membre",
        category=Category.MEMBER,
    )
    employee = register_user(
        email="employee@example.org",
        password=DEMO_PASSWORD,
        name="Dominique Salarié",
        company=company,
    )
    employee.is_company_contact = True
    return company


def seed_demo() -> None:
    """Create the demo lab. Runs inside the caller's transaction."""
    seed_lab_settings()
    laser_safety = Qualification(
        name="Sécurité découpe laser",
        description="Formation obligatoire avant toute utilisation de la découpeuse laser.",
        validity_months=24,
    )
    db.session.add(laser_safety)
    seed_machines(laser_safety)
    seed_accounts()
    seed_machine_closures()
    db.session.flush()
    seed_events()
    seed_usage()
    seed_report_history()  # a year of billed history, before today's demo invoice
    seed_billing()
    seed_offer()
    seed_payments()
    seed_bookings()
    from fablab.public.demo import seed_open_data

    seed_open_data()
