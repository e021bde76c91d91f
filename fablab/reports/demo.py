"""Demo history for the reports: a year of bookings, usage, invoices and payments.

Past activity is written as the lab would have recorded it (completed and no-show
bookings, closed usage sessions), then billed month by month with the billing services:
charges collected at each month's end and one invoice per customer, issued on the first
day of the next month. Invoices are issued "now" by the billing code, so the seed sets
the clock of the issuing module back to that day while it bills (demo data only), oldest
month first, so numbers and dates stay in order.
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, time, timedelta
from unittest import mock

import sqlalchemy as sa

from fablab.accounts.models import Category, Company, User
from fablab.accounts.services import register_user
from fablab.billing import invoices as invoice_module
from fablab.billing.charges import add_charge, collect_charges, uninvoiced_charges
from fablab.billing.invoices import issue_credit_note, issue_invoice
from fablab.billing.payments import record_payment
from fablab.bookings.models import Reservation, ReservationStatus
from fablab.extensions import db
from fablab.machines.models import Machine
from fablab.machines.zone import local_to_utc, to_local
from fablab.reports.costs import add_cost, add_grant
from fablab.reports.demo_events import seed_past_events
from fablab.reports.periods import Period, period_of
from fablab.reports.scenarios import save_scenario
from fablab.timeutil import utcnow
from fablab.usage.models import UsageSession, UsageStatus

PASSWORD = "demo-password"  # noqa: S105
PEOPLE = [
    ("lea@example.org", "Léa Martin", Category.MEMBER),
    ("hugo@example.org", "Hugo Bernard", Category.MEMBER),
    ("ines@example.org", "Inès Petit", Category.REDUCED),
    ("theo@example.org", "Théo Durand", Category.PUBLIC),
    ("sarah@example.org", "Sarah Leroy", Category.PUBLIC),
]
COMPANIES = [
    ("Atelier Lumière SARL", "44306184100047", "lumiere"),
    ("Bois & Co", "73282932000074", "boisco"),
]


def _customers() -> list[tuple[User, Company | None]]:
    found = [
        (u, None)
        for u in db.session.scalars(sa.select(User).where(User.email == "member@example.org"))
    ]
    for email, name, category in PEOPLE:
        user = register_user(email=email, password=PASSWORD, name=name, category=category)
        found.append((user, None))
    demo = db.session.scalar(sa.select(Company).where(Company.legal_name == "Demo Industries"))
    employee = db.session.scalar(sa.select(User).where(User.email == "employee@example.org"))
    if demo is not None and employee is not None:
        found.append((employee, demo))
    for legal_name, siret, slug in COMPANIES:
        company = Company(
            legal_name=legal_name,
            siret=siret,
            contact_email=f"compta@{slug}.example.com",
            billing_address="Lyon",
        )
        db.session.add(company)
        db.session.flush()
        user = register_user(
            email=f"contact@{slug}.example.com",
            password=PASSWORD,
            name=legal_name,
            company=company,
        )
        user.is_company_contact = True
        found.append((user, company))
    return found


def _book(machine, user, company, start: datetime, minutes: int, rng: random.Random) -> None:
    end = start + timedelta(minutes=minutes)
    no_show = rng.random() < 0.08
    reservation = Reservation(
        machine_id=machine.id,
        user_id=user.id,
        company_id=company.id if company else None,
        start_at=start,
        end_at=end,
        blocked_until=end + timedelta(minutes=machine.buffer_minutes or 0),
        status=ReservationStatus.NO_SHOW.value if no_show else ReservationStatus.COMPLETED.value,
        confirmed_at=start - timedelta(days=2),
        completed_at=None if no_show else end,
        completed_via="" if no_show else "usage",
        checked_in_at=None if no_show else start,
        created_at=start - timedelta(days=3),
    )
    db.session.add(reservation)
    db.session.flush()
    if no_show:
        return
    used = minutes - rng.choice((0, 10, 20, 30)) if minutes > 30 else minutes
    material = rng.randint(20, 180) * 1000 if machine.consumable_unit == "gram" else 0
    if machine.consumable_unit == "sheet":
        material = rng.randint(1, 4) * 1000
    db.session.add(
        UsageSession(
            machine_id=machine.id,
            user_id=user.id,
            reservation_id=reservation.id,
            company_id=company.id if company else None,
            started_at=start,
            ended_at=start + timedelta(minutes=used),
            source="kiosk",
            status=UsageStatus.CLOSED.value,
            consumable_quantity_milli=material,
            consumable_unit=machine.consumable_unit,
            consumable_rate_cents=machine.consumable_rate_cents,
        )
    )


def _month_of_activity(month: Period, machines, customers, rng: random.Random) -> None:
    day = month.start
    while day < month.end:
        if day.weekday() in (1, 2, 3, 4, 5):  # the demo lab opens Tuesday to Saturday
            for machine in machines:
                if rng.random() < 0.45:
                    user, company = rng.choice(customers)
                    hour = rng.choice((10, 11, 14, 15, 16))
                    minutes = rng.choice((60, 90, 120, 180))
                    _book(machine, user, company, local_to_utc(day, time(hour)), minutes, rng)
        day += timedelta(days=1)


def _issued_on(moment: datetime):
    """Documents issued inside get ``moment`` as their issue time (demo history only).

    Should the billing module stop reading its clock through ``utcnow``, the history is
    still seeded, only dated today.
    """
    if not hasattr(invoice_module, "utcnow"):
        return contextlib.nullcontext()
    return mock.patch.object(invoice_module, "utcnow", return_value=moment)


def _bill(month: Period, rng: random.Random) -> list:
    """Invoice the month on the 1st of the next one; most customers pay within weeks."""
    collect_charges(until=month.end_utc)
    groups: dict[tuple, list] = {}
    for charge in uninvoiced_charges(before=month.end_utc):
        key = (charge.company_id, None) if charge.company_id else (None, charge.user_id)
        groups.setdefault(key, []).append(charge)
    issued_at = local_to_utc(month.end, time(9))
    invoices = []
    with _issued_on(issued_at):
        for (company_id, user_id), charges in sorted(groups.items(), key=str):
            company = db.session.get(Company, company_id) if company_id else None
            user = None if company else db.session.get(User, user_id)
            invoice = issue_invoice(
                charges=charges, user=user, company=company, period=month.start.strftime("%Y-%m")
            )
            invoices.append(invoice)
    today = to_local(utcnow()).date()
    for invoice in invoices:
        paid_on = month.end + timedelta(days=rng.randint(3, 40))
        if paid_on < today and rng.random() < 0.9:
            record_payment(
                invoice=invoice,
                amount_cents=invoice.total_incl_cents,
                method=rng.choice(("card", "transfer")),
                received_on=paid_on,
            )
    return invoices


def seed_report_history(months: int = 12) -> None:
    """A year of activity before the current month, billed month by month (caller commits)."""
    rng = random.Random(2026)
    machines = list(db.session.scalars(sa.select(Machine).order_by(Machine.id)))
    customers = _customers()
    this_month = period_of("month", to_local(utcnow()).date())
    month = this_month
    history = []
    for _ in range(months):
        month = month.previous()
        history.insert(0, month)
    for index, month in enumerate(history):
        if month.start.month == 1 or index == 0:
            _memberships(customers, month)
        # Customers join one after another, so cohorts and new companies show.
        joined = customers[: 2 + index]
        _month_of_activity(month, machines, joined, rng)
        invoices = _bill(month, rng)
        if index == len(history) - 3 and invoices:
            with _issued_on(local_to_utc(month.end + timedelta(days=9), time(10))):
                issue_credit_note(invoice=invoices[0], reason="Erreur de tarif (démo)")
    seed_past_events(history, rng)
    _costs_and_grants(history, machines)
    save_scenario(
        values={
            "name": "Entreprises +20 %, adhérents -10 %",
            "company_rate_pct": 20,
            "member_rate_pct": -10,
            "note": "Proposition du bureau",
        }
    )
    save_scenario(values={"name": "Adhésion à 40 €", "membership_fee_cents": 4000})
    db.session.flush()


def _costs_and_grants(history: list[Period], machines: list[Machine]) -> None:
    for month in history:
        add_cost(month=month.start, category="rent", amount_cents=60_000, note="Loyer atelier")
        add_cost(month=month.start, category="insurance", amount_cents=12_000)
    laser = next((m for m in machines if m.kind == "laser_cutter"), None)
    if laser is not None and laser.purchase_date:
        add_grant(
            funder="Région (appel Fab Lab)",
            amount_cents=900_000,
            received_on=laser.purchase_date,
            machines=[laser],
        )
    # One grant for several machines: the 3D printers and the CNC mill, split by cost.
    equipped = [m for m in machines if m.kind in ("3d_printer", "cnc_mill")]
    if equipped:
        add_grant(
            funder="Département (fonds d'équipement)",
            amount_cents=400_000,
            received_on=history[1].start,
            machines=equipped,
            note="Réparti selon le prix d'achat",
        )
    add_grant(
        funder="Métropole",
        amount_cents=500_000,
        received_on=history[4].start,
        note="Fonctionnement",
    )


def _memberships(customers, month: Period) -> None:
    for user, company in customers:
        fee = {"member": 3000, "reduced": 1500}.get(user.category, 0)
        if company is None and fee:
            add_charge(
                kind="membership",
                description=f"Adhésion {month.start.year}",
                quantity_milli=1000,
                unit_price_cents=fee,
                source_type="membership",
                source_key=f"membership:{month.start.year}:user:{user.id}",
                user=user,
                occurred_at=local_to_utc(month.start, time(12)),
            )
