"""Charges from usage and bookings, the booked-vs-used policy, the monthly run."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from fablab.billing.charges import charge_membership, collect_charges
from fablab.billing.models import Charge, Invoice
from fablab.billing.runs import run_monthly_invoicing
from fablab.billing.settings import get_billing_settings
from fablab.bookings.models import Reservation
from fablab.usage.models import UsageSession

OCTOBER = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def booking(db, machine, user, *, start=OCTOBER, minutes=60, status="completed", company=None):
    """A booking in a given state, written directly: tests/test_money_path.py reaches each of
    these states through the app's own actions (book, check in, use, jobs, invoicing)."""
    reservation = Reservation(
        machine_id=machine.id,
        user_id=user.id,
        company_id=company.id if company else None,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        blocked_until=start + timedelta(minutes=minutes),
        status=status,
        completed_at=start + timedelta(minutes=minutes) if status == "completed" else None,
        checked_in_at=start if status == "completed" else None,
    )
    db.session.add(reservation)
    db.session.flush()
    return reservation


def usage(
    db,
    machine,
    user,
    *,
    start=OCTOBER,
    minutes=50,
    grams=0,
    rate=0,
    reservation=None,
    company=None,
    status="closed",
):
    session = UsageSession(
        machine_id=machine.id,
        user_id=user.id,
        reservation_id=reservation.id if reservation else None,
        company_id=company.id if company else None,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        source="manager",
        status=status,
        consumable_quantity_milli=grams * 1000,
        consumable_unit="gram" if grams else "none",
        consumable_rate_cents=rate,
    )
    db.session.add(session)
    db.session.flush()
    return session


def charges_of(db, kind=None):
    query = sa.select(Charge).order_by(Charge.id)
    if kind:
        query = query.where(Charge.kind == kind)
    return db.session.scalars(query).all()


def set_policy(policy):
    get_billing_settings().time_policy = policy


def test_used_policy_bills_the_session_time_by_increment(db, make_machine, member):
    set_policy("used")
    machine = make_machine()  # member rate 3 €/h, 15-minute increment
    reservation = booking(db, machine, member, minutes=120)
    usage(db, machine, member, minutes=50, reservation=reservation)
    collect_charges(until=OCTOBER + timedelta(days=1))
    [charge] = charges_of(db, "machine_time")
    assert charge.amount_cents == 300  # 4 × 15 min at 0.75 €
    assert charge.source_type == "usage_session"


def test_booked_policy_bills_the_booking_and_only_material_of_its_session(db, make_machine, member):
    set_policy("booked")
    machine = make_machine(consumable_unit="gram", consumable_rate_cents=5)
    reservation = booking(db, machine, member, minutes=120)
    usage(db, machine, member, minutes=50, reservation=reservation, grams=100, rate=5)
    collect_charges(until=OCTOBER + timedelta(days=1))
    [time_charge] = charges_of(db, "machine_time")
    [material] = charges_of(db, "consumable")
    assert time_charge.amount_cents == 600  # the 2 booked hours
    assert time_charge.source_type == "reservation"
    assert material.amount_cents == 500  # 100 g at 0.05 €


def test_booked_policy_bills_a_no_show_and_a_walk_in(db, make_machine, member, make_user):
    set_policy("booked")
    machine = make_machine()
    booking(db, machine, member, minutes=30, status="no_show")
    usage(db, machine, make_user(category="public"), start=OCTOBER + timedelta(hours=3))
    booking(db, machine, member, start=OCTOBER + timedelta(hours=5), status="cancelled")
    collect_charges(until=OCTOBER + timedelta(days=1))
    amounts = sorted(c.amount_cents for c in charges_of(db, "machine_time"))
    assert amounts == [150, 500]  # no-show 30 min at 3 €/h; walk-in 50 min -> 1 h public


def test_company_bookings_are_billed_to_the_company_at_the_company_rate(
    db, make_machine, make_company, make_user
):
    set_policy("used")
    company = make_company()
    employee = make_user(company=company)
    usage(db, make_machine(), employee, minutes=60, company=company)
    collect_charges(until=OCTOBER + timedelta(days=1))
    [charge] = charges_of(db)
    assert charge.company_id == company.id
    assert charge.amount_cents == 1200


def test_collecting_twice_charges_once_and_flagged_sessions_wait(db, make_machine, member):
    set_policy("used")
    machine = make_machine()
    usage(db, machine, member)
    usage(db, machine, member, start=OCTOBER + timedelta(hours=2), status="flagged")
    until = OCTOBER + timedelta(days=1)
    assert collect_charges(until=until) == 1
    assert collect_charges(until=until) == 0
    assert len(charges_of(db)) == 1


def test_membership_fee_is_charged_once_a_year(db, member):
    assert charge_membership(user=member, year=2026).amount_cents == 3000
    charge_membership(user=member, year=2026)
    charge_membership(user=member, year=2027)
    assert len(charges_of(db, "membership")) == 2


def test_the_monthly_run_is_idempotent(db, make_machine, member, make_company, make_user, outbox):
    from fablab.transaction import commit

    set_policy("used")
    machine = make_machine()
    company = make_company()
    employee = make_user(company=company)
    usage(db, machine, member)
    usage(db, machine, member, start=OCTOBER + timedelta(days=3))
    usage(db, machine, employee, start=OCTOBER + timedelta(days=4), company=company)
    usage(db, machine, member, start=datetime(2026, 11, 2, 9, tzinfo=UTC))  # next month
    commit()

    first = run_monthly_invoicing(month=datetime(2026, 10, 1).date())
    commit()
    second = run_monthly_invoicing(month=datetime(2026, 10, 1).date())
    commit()

    assert len(first.invoices) == 2
    assert second.invoices == []
    invoices = db.session.scalars(sa.select(Invoice)).all()
    assert len(invoices) == 2
    by_buyer = {i.buyer_name: i for i in invoices}
    assert by_buyer["Alex Member"].total_excl_cents == 600
    assert len(by_buyer["Alex Member"].lines) == 2
    assert by_buyer[company.legal_name].total_excl_cents == 1200
    assert all(i.period == "2026-10" for i in invoices)
    uninvoiced = [c for c in charges_of(db) if not c.is_invoiced]
    assert uninvoiced == []  # November's session is not charged yet
    assert {m.to[0] for m in outbox} == {"member@example.org", company.contact_email}
    assert all(m.attachments[0][0].endswith(".pdf") for m in outbox)


def test_the_scheduler_job_invoices_the_previous_month_on_the_first(app, db, make_machine, member):
    import time_machine

    from fablab.billing.jobs import monthly_invoicing_job
    from fablab.transaction import commit

    set_policy("used")
    usage(db, make_machine(), member)
    commit()

    def as_the_scheduler_runs_it():  # its own app context, no request
        results = []
        thread = threading.Thread(target=lambda: results.append(in_app_context(app)))
        thread.start()
        thread.join(timeout=30)
        return results[0]

    def in_app_context(app):
        with app.app_context():
            return monthly_invoicing_job()

    with time_machine.travel(datetime(2026, 10, 31, 12, tzinfo=UTC), tick=False):
        assert as_the_scheduler_runs_it() == 0  # not the 1st
    with time_machine.travel(datetime(2026, 11, 1, 6, tzinfo=UTC), tick=False):
        assert as_the_scheduler_runs_it() == 1
        assert as_the_scheduler_runs_it() == 0
    [invoice] = db.session.scalars(sa.select(Invoice)).all()
    assert invoice.period == "2026-10"
