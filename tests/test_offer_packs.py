# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Prepaid hour packs: bookings draw their minutes in their own transaction, cancellations
give them back, moves adjust, expiry reports what was left, billing charges only the rest."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from fablab.billing.charges import collect_charges
from fablab.billing.models import Charge
from fablab.bookings.lifecycle import complete
from fablab.bookings.services import (
    SlotTaken,
    cancel_reservation,
    create_reservation,
    move_reservation,
)
from fablab.payments import pack_products, packs
from fablab.payments.offer_jobs import expire_packs_job
from fablab.payments.offer_models import Pack, PackDraw
from tests.bookings_fixtures import NOW, book, laser, open_lab, paris, printer  # noqa: F401


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


@pytest.fixture
def laser_pack_product(db):
    product = pack_products.save_product(
        name_fr="10 h laser",
        name_en="10 h laser",
        minutes=600,
        price_cents=25000,
        validity_months=12,
        machine_kinds=["laser_cutter"],
    )
    db.session.commit()
    return product


@pytest.fixture
def company_with_pack(db, make_company, make_user, laser_pack_product, printer):
    company = make_company(legal_name="Acme")
    contact = make_user(company=company, is_company_contact=True)
    employee = make_user(company=company)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        pack = packs.buy_on_invoice(product=laser_pack_product, by=contact, company=company)
    db.session.commit()
    return company, contact, employee, pack


def qualified_laser(db, laser, *users):
    from fablab.machines.models import UserQualification

    for user in users:
        db.session.add(
            UserQualification(user_id=user.id, qualification_id=laser.required_qualification_id)
        )
    db.session.commit()
    return laser


def test_a_company_booking_draws_from_the_company_pack(db, laser, company_with_pack):
    company, _contact, employee, pack = company_with_pack
    qualified_laser(db, laser, employee)
    reservation = create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 2, 10),
        end=paris(2027, 3, 2, 11, 30),
        now=NOW,
    )
    db.session.commit()
    assert reservation.prepaid_minutes == 90
    assert db.session.get(Pack, pack.id).minutes_remaining == 510
    assert packs.remaining_minutes(company=company) == 510


def test_only_the_matching_kind_draws_and_a_person_uses_their_own_packs(
    db, laser, printer, member, laser_pack_product
):
    pack = packs.buy_on_invoice(product=laser_pack_product, by=member, user=member)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        on_printer = create_reservation(
            machine=printer, user=member, start=paris(2027, 3, 2, 10), end=paris(2027, 3, 2, 11)
        )
    db.session.commit()
    assert on_printer.prepaid_minutes == 0
    assert db.session.get(Pack, pack.id).minutes_remaining == 600


def test_the_pack_expiring_first_is_used_first_and_a_long_booking_spans_packs(
    db, laser, company_with_pack, laser_pack_product
):
    company, contact, employee, later_pack = company_with_pack
    qualified_laser(db, laser, employee)
    small = pack_products.save_product(
        name_fr="1 h laser",
        name_en="1 h laser",
        minutes=60,
        price_cents=3000,
        validity_months=1,
        machine_kinds=["laser_cutter"],
    )
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        first = packs.buy_on_invoice(product=small, by=contact, company=company)
    db.session.commit()
    reservation = create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 2, 10),
        end=paris(2027, 3, 2, 12),
        now=NOW,
    )
    db.session.commit()
    assert reservation.prepaid_minutes == 120
    assert db.session.get(Pack, first.id).minutes_remaining == 0
    assert db.session.get(Pack, later_pack.id).minutes_remaining == 540


def test_cancelling_before_the_deadline_gives_the_minutes_back(db, laser, company_with_pack):
    company, _contact, employee, pack = company_with_pack
    qualified_laser(db, laser, employee)
    reservation = create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 5, 10),
        end=paris(2027, 3, 5, 11),
        now=NOW,
    )
    db.session.commit()
    cancel_reservation(reservation=reservation, by=employee, now=NOW)
    db.session.commit()
    assert db.session.get(Pack, pack.id).minutes_remaining == 600
    assert reservation.prepaid_minutes == 0
    draws = db.session.scalars(sa.select(PackDraw.minutes).order_by(PackDraw.id)).all()
    assert draws == [60, -60]


def test_a_late_cancellation_keeps_the_minutes_used(db, laser, company_with_pack, manager):
    company, _contact, employee, pack = company_with_pack
    qualified_laser(db, laser, employee)
    reservation = create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 2, 10),
        end=paris(2027, 3, 2, 11),
        now=NOW,
    )
    db.session.commit()
    late = paris(2027, 3, 2, 9)
    cancel_reservation(reservation=reservation, by=manager, now=late, override_deadline=True)
    db.session.commit()
    assert db.session.get(Pack, pack.id).minutes_remaining == 540


def test_moving_a_booking_adjusts_what_it_drew(db, laser, company_with_pack):
    company, _contact, employee, pack = company_with_pack
    qualified_laser(db, laser, employee)
    reservation = create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 5, 10),
        end=paris(2027, 3, 5, 11),
        now=NOW,
    )
    db.session.commit()
    move_reservation(
        reservation=reservation,
        start=paris(2027, 3, 5, 14),
        end=paris(2027, 3, 5, 16),
        by=employee,
        now=NOW,
    )
    db.session.commit()
    assert reservation.prepaid_minutes == 120
    assert db.session.get(Pack, pack.id).minutes_remaining == 480


def test_a_refused_booking_draws_nothing(db, laser, company_with_pack, make_user):
    company, contact, employee, pack = company_with_pack
    qualified_laser(db, laser, employee, contact)
    create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 2, 10),
        end=paris(2027, 3, 2, 11),
        now=NOW,
    )
    db.session.commit()
    with pytest.raises(SlotTaken):
        create_reservation(
            machine=laser,
            user=contact,
            company=company,
            start=paris(2027, 3, 2, 10),
            end=paris(2027, 3, 2, 11),
            now=NOW,
        )
    db.session.rollback()
    assert db.session.get(Pack, pack.id).minutes_remaining == 540


def test_billing_charges_only_the_minutes_not_prepaid(db, laser, make_user, laser_pack_product):
    person = make_user(category="public")
    qualified_laser(db, laser, person)
    small = pack_products.save_product(
        name_fr="1 h",
        name_en="1 h",
        minutes=60,
        price_cents=3000,
        validity_months=12,
        machine_kinds=["laser_cutter"],
    )
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        packs.buy_on_invoice(product=small, by=person, user=person)
    db.session.commit()
    reservation = create_reservation(
        machine=laser, user=person, start=paris(2027, 3, 2, 10), end=paris(2027, 3, 2, 12), now=NOW
    )
    db.session.commit()
    assert reservation.prepaid_minutes == 60
    complete(reservation, via="manager", now=paris(2027, 3, 2, 12, 5))
    db.session.commit()
    collect_charges(until=paris(2027, 3, 3, 0))
    db.session.commit()
    charge = db.session.scalar(sa.select(Charge).where(Charge.source_type == "reservation"))
    assert ", 60 min" in charge.description  # the second hour only
    assert charge.amount_cents == laser.rate_public_cents  # one hour at the public rate


def test_expired_minutes_are_reported_not_lost(app, db, laser, company_with_pack):
    company, _contact, employee, pack = company_with_pack
    qualified_laser(db, laser, employee)
    create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 2, 10),
        end=paris(2027, 3, 2, 11),
        now=NOW,
    )
    db.session.commit()
    with time_machine.travel(pack.expires_at + timedelta(minutes=1), tick=False):
        assert expire_packs_job() == 1
        assert expire_packs_job() == 0  # a rerun does nothing twice
    db.session.expire_all()
    expired = db.session.get(Pack, pack.id)
    assert (expired.status, expired.minutes_remaining, expired.expired_minutes) == (
        "expired",
        0,
        540,
    )
    _packs, report = packs.pack_report()
    assert report.used_minutes == 60
    assert report.expired_minutes == 540
    assert report.expired_cents == 22500
    assert report.deferred_cents == 0


def test_the_reports_show_the_deferred_revenue_of_prepaid_minutes(
    db, laser, company_with_pack, login_as, manager
):
    """A pack bought and partly used: the manager's dashboard and the API read what is still
    owed in machine time (deferred revenue), live."""
    from fablab.reports.periods import period_of
    from fablab.reports.summary import summary

    company, _contact, employee, _pack = company_with_pack
    qualified_laser(db, laser, employee)
    create_reservation(
        machine=laser,
        user=employee,
        company=company,
        start=paris(2027, 3, 2, 10),
        end=paris(2027, 3, 2, 12),
        now=NOW,
    )
    db.session.commit()
    figures = summary(period_of("month", NOW.date()))["prepaid_packs"]
    assert figures["sold_minutes"] == 600 and figures["used_minutes"] == 120
    assert figures["remaining_minutes"] == 480
    assert figures["deferred_cents"] == 20000  # 480 of 600 minutes of a 250 € pack
    page = login_as(manager).get("/reports/?period=month&date=2027-03-01")
    assert page.status_code == 200 and 'id="kpi-prepaid"' in page.text
    card = page.text.split('id="kpi-prepaid"')[1][:400]
    assert "200.00" in card or "200,00" in card  # the manager's language decides the comma
