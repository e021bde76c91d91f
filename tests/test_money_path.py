# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""The money path, walked as users walk it: book, check in, use, let time pass, run the
scheduler's jobs (which invoice the month on the 1st), pay. Nothing here writes a status:
every booking and session reaches its state through the app's own pages, API and jobs.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from fablab.billing.models import Invoice
from fablab.billing.settings import get_billing_settings
from fablab.bookings.models import Reservation
from fablab.scheduler import JOBS
from fablab.usage.models import UsageSession
from tests.bookings_fixtures import open_lab, paris  # noqa: F401

# Tuesday 2 March 2027, 10:00–12:00 in Paris; the month is invoiced on 1 April.
START = paris(2027, 3, 2, 10, 0)
END = paris(2027, 3, 2, 12, 0)
INVOICING_DAY = paris(2027, 4, 1, 9, 0)
BOOKED_ON = paris(2027, 2, 25, 9, 0)


@pytest.fixture
def lab(db, open_lab):
    """A lab that can issue invoices: legal identity, 20 % VAT, a printer billed by 15 min."""
    open_lab.legal_name = "Fab Lab Test SAS"
    open_lab.siret = "12345678900015"
    open_lab.address = "1 rue du Test\n75001 Paris"
    open_lab.vat_rate_bp = 2000
    db.session.commit()
    return open_lab


@pytest.fixture
def printer(make_machine, lab):
    return make_machine(
        name="Prusa MK4",
        kind="3d_printer",
        rate_member_cents=300,
        rate_public_cents=500,
        rate_company_cents=1200,
        billing_increment_minutes=15,
        consumable_unit="gram",
        consumable_rate_cents=10,
    )


@contextmanager
def at(moment):
    with time_machine.travel(moment, tick=False):
        yield


def set_policy(db, policy, **flags):
    settings = get_billing_settings()
    settings.time_policy = policy
    for name, value in flags.items():
        setattr(settings, name, value)
    db.session.commit()


class Person:
    """A person using the app in the browser, logging in at the (frozen) time of each step."""

    def __init__(self, login_as, user):
        self.login_as, self.user = login_as, user

    def post(self, url, **kwargs):
        return self.login_as(self.user).post(url, **kwargs)

    def get(self, url, **kwargs):
        return self.login_as(self.user).get(url, **kwargs)


def run_jobs(db):
    """What the scheduler process does each time round (every job once)."""
    for job in JOBS:
        job.func()
    db.session.rollback()  # see what the jobs committed


def book_on_the_web(client, machine, *, start=START, end=END, company=False):
    with at(BOOKED_ON):
        response = client.post(
            f"/machines/{machine.id}/book",
            data={
                "day": start.date().isoformat(),
                "start_time": start.strftime("%H:%M"),
                "end_time": end.strftime("%H:%M"),
                "on_company_account": "y" if company else "",
            },
        )
    assert response.status_code == 302, response.text
    assert "/bookings/mine" in response.location, response.location
    return booking_of(machine)


def booking_of(machine) -> Reservation:
    from fablab.extensions import db

    db.session.rollback()
    return db.session.scalars(
        sa.select(Reservation).where(Reservation.machine_id == machine.id).order_by(Reservation.id)
    ).all()[-1]


def invoices(db) -> list[Invoice]:
    db.session.rollback()
    return db.session.scalars(sa.select(Invoice).order_by(Invoice.id)).all()


def lines_of(invoice) -> list[tuple[str, int, int]]:
    return [(line.description, line.amount_excl_cents, line.vat_rate_bp) for line in invoice.lines]


def invoice_the_month(db):
    with at(INVOICING_DAY):
        run_jobs(db)
    return invoices(db)


# -- a member, booked time ------------------------------------------------------------


def test_member_books_checks_in_uses_the_kiosk_and_is_invoiced_booked_time_and_material(
    db, login_as, printer, member
):
    set_policy(db, "booked")
    client = Person(login_as, member)
    reservation = book_on_the_web(client, printer)
    with at(START - timedelta(minutes=5)):
        client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
    with at(START + timedelta(minutes=2)):
        client.post(f"/usage/machines/{printer.id}/kiosk/start")
    session = db.session.scalars(sa.select(UsageSession)).one()
    with at(END - timedelta(minutes=20)):
        client.post(f"/usage/sessions/{session.id}/stop", data={"consumables": "42"})
    with at(END + timedelta(minutes=10)):
        run_jobs(db)
    db.session.refresh(reservation)
    assert reservation.status == "completed"
    assert reservation.completed_via == "scheduler"

    (invoice,) = invoice_the_month(db)
    assert invoice.user_id == member.id and invoice.company_id is None
    machine_line, material_line = invoice.lines
    # Two booked hours at the member rate (3 €/h), though 98 minutes were used.
    assert machine_line.amount_excl_cents == 600
    assert "Prusa MK4" in machine_line.description
    assert material_line.amount_excl_cents == 420  # 42 g × 0.10 €
    assert invoice.total_excl_cents == 1020
    assert invoice.total_vat_cents == 204
    assert invoice.total_incl_cents == 1224


def test_an_attended_booking_with_no_usage_recorded_is_billed_under_either_policy(
    db, login_as, printer, member
):
    """A test that fails if an attended booking is left unbilled, whatever the policy."""
    for policy, machine_name in (("booked", "first"), ("used", "second")):
        set_policy(db, policy)
        client = Person(login_as, member)
        printer.name = machine_name
        db.session.commit()
        start = START + timedelta(days=1 if policy == "used" else 0)
        reservation = book_on_the_web(client, printer, start=start, end=start + timedelta(hours=2))
        with at(start + timedelta(minutes=3)):
            client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
        with at(start + timedelta(hours=3)):
            run_jobs(db)
        db.session.refresh(reservation)
        assert reservation.status == "completed", policy
    (invoice,) = invoice_the_month(db)
    assert [line.amount_excl_cents for line in invoice.lines] == [600, 600]


def test_a_usage_session_that_ends_after_the_booking_completes_it_and_bills_the_overrun(
    db, login_as, printer, member
):
    set_policy(db, "booked")
    client = Person(login_as, member)
    reservation = book_on_the_web(client, printer)
    with at(START + timedelta(minutes=1)):
        client.post(f"/usage/machines/{printer.id}/kiosk/start")
    session = db.session.scalars(sa.select(UsageSession)).one()
    with at(END + timedelta(minutes=40)):
        client.post(f"/usage/sessions/{session.id}/stop", data={"consumables": "0"})
    db.session.refresh(reservation)
    assert reservation.status == "completed"
    assert reservation.completed_via == "usage"

    (invoice,) = invoice_the_month(db)
    # The booked two hours once, then the 40 minutes past the end (3 started quarters).
    assert [line.amount_excl_cents for line in invoice.lines] == [600, 225]


# -- a company employee, through the API and a badge reader ---------------------------------


def test_an_employee_books_through_the_api_on_the_company_account_and_the_company_is_invoiced(
    app, db, client, make_company, make_user, printer
):
    from fablab.accounts.tokens import create_api_token
    from fablab.usage.devices import create_device_token

    set_policy(db, "used")
    company = make_company(legal_name="Demo Industries")
    employee = make_user(company=company, name="Eve Employee")
    with app.test_request_context():
        _, secret = create_api_token(user=employee)
        _, device_secret = create_device_token(machine=printer, label="badge reader")
    db.session.commit()
    with at(BOOKED_ON):
        made = client.post(
            "/api/v1/reservations",
            json={
                "machine_id": printer.id,
                "start": START.isoformat(),
                "end": END.isoformat(),
                "on_company_account": True,
            },
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert made.status_code == 201, made.json
    device = {"X-Device-Token": device_secret}
    with at(START + timedelta(minutes=4)):
        started = client.post(
            "/api/v1/usage/sessions", json={"user_email": employee.email}, headers=device
        )
    assert started.status_code == 201, started.json
    with at(START + timedelta(minutes=64)):
        stopped = client.post(
            f"/api/v1/usage/sessions/{started.json['id']}/stop",
            json={"consumables": {"quantity": 10}},
            headers=device,
        )
    assert stopped.status_code == 200, stopped.json
    with at(END + timedelta(minutes=30)):
        run_jobs(db)
    reservation = db.session.get(Reservation, made.json["id"])
    assert reservation.status == "completed"

    (invoice,) = invoice_the_month(db)
    assert invoice.company_id == company.id
    # Used time: one hour at the company rate (12 €/h), not the two booked; 10 g of material.
    assert [line.amount_excl_cents for line in invoice.lines] == [1200, 100]
    assert invoice.total_incl_cents == 1560


# -- no-shows and late cancellations --------------------------------------------------------


@pytest.mark.parametrize("bill_no_shows", [True, False])
def test_a_no_show_is_released_and_billed_as_the_lab_decides(
    db, login_as, printer, member, bill_no_shows
):
    set_policy(db, "booked", bill_no_shows=bill_no_shows)
    reservation = book_on_the_web(Person(login_as, member), printer)
    with at(START + timedelta(minutes=20)):
        run_jobs(db)
    db.session.refresh(reservation)
    assert reservation.status == "no_show"

    issued = invoice_the_month(db)
    if not bill_no_shows:
        assert issued == []
        return
    (invoice,) = issued
    ((description, amount, _vat),) = lines_of(invoice)
    assert amount == 600
    assert "non honorée" in description  # invoices speak the lab's language


def test_a_member_who_came_late_after_the_release_is_billed_once(db, login_as, printer, member):
    set_policy(db, "booked")
    client = Person(login_as, member)
    reservation = book_on_the_web(client, printer)
    with at(START + timedelta(minutes=20)):
        run_jobs(db)
    with at(START + timedelta(minutes=30)):
        client.post(f"/usage/machines/{printer.id}/kiosk/start")
    session = db.session.scalars(sa.select(UsageSession)).one()
    with at(START + timedelta(minutes=90)):
        client.post(f"/usage/sessions/{session.id}/stop", data={"consumables": "0"})
    db.session.refresh(reservation)
    assert reservation.status == "completed"

    (invoice,) = invoice_the_month(db)
    ((description, amount, _vat),) = lines_of(invoice)
    assert amount == 600 and "non honorée" not in description


def test_the_manager_marks_a_forgotten_check_in_attended(db, login_as, printer, member, manager):
    set_policy(db, "booked")
    reservation = book_on_the_web(Person(login_as, member), printer)
    with at(START + timedelta(minutes=20)):
        run_jobs(db)
        page = login_as(manager).get("/bookings/manage")
        assert "Mark attended" in page.text
        login_as(manager).post(f"/bookings/{reservation.id}/attended", data={})
    db.session.refresh(reservation)
    assert reservation.status == "completed"
    assert reservation.completed_via == "manager"
    (invoice,) = invoice_the_month(db)
    assert [line.amount_excl_cents for line in invoice.lines] == [600]


@pytest.mark.parametrize("waive", [False, True])
def test_a_cancellation_after_the_deadline_bills_the_booked_time_unless_waived(
    db, login_as, printer, member, manager, waive
):
    set_policy(db, "used")
    reservation = book_on_the_web(Person(login_as, member), printer)
    with at(START - timedelta(hours=2)):
        refused = login_as(member).post(f"/bookings/{reservation.id}/cancel", data={})
        assert refused.status_code == 302
        db.session.refresh(reservation)
        assert reservation.status == "confirmed"  # too late for the member
        login_as(manager).post(
            f"/bookings/{reservation.id}/cancel",
            data={"override_deadline": "y", "waive_charge": "y" if waive else ""},
        )
    db.session.refresh(reservation)
    assert reservation.status == "cancelled"

    issued = invoice_the_month(db)
    if waive:
        assert issued == []
        return
    ((description, amount, _vat),) = lines_of(issued[0])
    assert amount == 600 and "annulée après le délai" in description


def test_a_cancellation_before_the_deadline_bills_nothing(db, login_as, printer, member):
    set_policy(db, "booked")
    client = Person(login_as, member)
    reservation = book_on_the_web(client, printer)
    with at(BOOKED_ON + timedelta(hours=1)):
        client.post(f"/bookings/{reservation.id}/cancel", data={})
    db.session.refresh(reservation)
    assert reservation.status == "cancelled"
    assert invoice_the_month(db) == []


def test_a_booking_moved_before_the_deadline_bills_its_new_length(db, login_as, printer, member):
    set_policy(db, "booked")
    client = Person(login_as, member)
    reservation = book_on_the_web(client, printer)
    with at(BOOKED_ON + timedelta(hours=1)):
        moved = client.post(
            f"/bookings/{reservation.id}/move",
            data={"day": "2027-03-03", "start_time": "14:00", "end_time": "15:00"},
        )
        assert moved.status_code == 302, moved.text
    with at(paris(2027, 3, 3, 14, 5)):
        client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
    with at(paris(2027, 3, 3, 16, 0)):
        run_jobs(db)
    (invoice,) = invoice_the_month(db)
    assert [line.amount_excl_cents for line in invoice.lines] == [300]


# -- paying ---------------------------------------------------------------------------------


def test_the_invoice_is_paid_at_the_desk_and_nothing_is_billed_twice(
    db, login_as, printer, member, manager
):
    set_policy(db, "booked")
    client = Person(login_as, member)
    book_on_the_web(client, printer)
    with at(START):
        client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
    (invoice,) = invoice_the_month(db)
    with at(INVOICING_DAY + timedelta(days=2)):
        paid = login_as(manager).post(
            f"/billing/invoices/{invoice.id}/payments",
            data={"amount": "7.20", "method": "card", "received_on": "2027-04-03"},
        )
        assert paid.status_code == 302, paid.text
        page = login_as(member).get(f"/invoices/{invoice.id}")
    assert page.status_code == 200
    # The next run finds nothing left to bill.
    with at(paris(2027, 5, 1, 9, 0)):
        run_jobs(db)
    assert len(invoices(db)) == 1


def test_marking_attended_through_the_api_is_for_managers(
    app, db, login_as, printer, member, manager
):
    from fablab.accounts.tokens import create_api_token

    reservation = book_on_the_web(Person(login_as, member), printer)
    with app.test_request_context():
        _, member_secret = create_api_token(user=member)
        _, manager_secret = create_api_token(user=manager)
    db.session.commit()
    api = app.test_client()  # a program: a token, no session cookie
    url = f"/api/v1/reservations/{reservation.id}/attended"
    with at(START + timedelta(minutes=30)):
        refused = api.post(url, headers={"Authorization": f"Bearer {member_secret}"})
        assert refused.status_code == 403
        done = api.post(url, headers={"Authorization": f"Bearer {manager_secret}"})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "confirmed" and done.json["checked_in_at"]
    with at(END + timedelta(minutes=1)):
        run_jobs(db)
        again = api.post(url, headers={"Authorization": f"Bearer {manager_secret}"})
    assert again.status_code == 409  # completed by the job: nothing left to mark
    db.session.refresh(reservation)
    assert reservation.status == "completed" and reservation.completed_via == "scheduler"


# -- the price shown before booking is the price invoiced ---------------------------------


def quote_before_booking(client, machine, *, start=START, end=END, company=False) -> dict:
    """The quote the booking page shows for the selected slot (calendar.js asks the API)."""
    with at(BOOKED_ON):
        answer = client.get(
            f"/api/v1/machines/{machine.id}/quote",
            query_string={
                "start": start.isoformat(),
                "end": end.isoformat(),
                "on_company_account": "true" if company else "false",
            },
        )
    assert answer.status_code == 200, answer.json
    return answer.json


def test_the_quote_shown_before_booking_is_what_the_invoice_charges(
    db, login_as, printer, member, outbox
):
    set_policy(db, "booked")
    client = Person(login_as, member)
    quote = quote_before_booking(client, printer)
    # Two hours at the member rate (3 €/h), per started quarter, 20 % VAT.
    assert (quote["amount_excl_vat_cents"], quote["amount_incl_vat_cents"]) == (600, 720)
    assert quote["category"] == "member" and quote["prepaid_minutes"] == 0

    reservation = book_on_the_web(client, printer)
    (mail,) = [m for m in outbox if m.to == [member.email]]
    assert "Expected cost: €7.20 incl. VAT (€6.00 excl. VAT)." in mail.body
    with at(START - timedelta(minutes=5)):
        client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
    with at(START + timedelta(minutes=1)):
        client.post(f"/usage/machines/{printer.id}/kiosk/start")
    session = db.session.scalars(sa.select(UsageSession)).one()
    with at(END - timedelta(minutes=3)):
        client.post(f"/usage/sessions/{session.id}/stop", data={"consumables": "0"})
    with at(END + timedelta(minutes=10)):
        run_jobs(db)
    db.session.refresh(reservation)
    assert reservation.status == "completed"

    (invoice,) = invoice_the_month(db)
    (line,) = invoice.lines
    assert line.amount_excl_cents == quote["amount_excl_vat_cents"]
    assert invoice.total_incl_cents == quote["amount_incl_vat_cents"]


def test_an_employee_quote_counts_the_company_rate_and_the_pack_minutes_it_will_draw(
    app, db, login_as, make_company, make_user, printer
):
    from fablab.payments import pack_products, packs

    set_policy(db, "booked")
    company = make_company(legal_name="Demo Industries")
    contact = make_user(company=company, name="Carla Contact", is_company_contact=True)
    employee = make_user(company=company, name="Eve Employee")
    with app.test_request_context(), at(BOOKED_ON - timedelta(days=1)):
        product = pack_products.save_product(
            name_fr="1 h impression",
            name_en="1 h printing",
            minutes=60,
            price_cents=1000,
            validity_months=12,
            machine_kinds=["3d_printer"],
        )
        packs.buy_on_invoice(product=product, by=contact, company=company)
        db.session.commit()
    client = Person(login_as, employee)
    quote = quote_before_booking(client, printer, company=True)
    # Two hours booked, one paid by the company's pack, one at the company rate (12 €/h).
    assert quote["category"] == "company" and quote["company_id"] == company.id
    assert (quote["prepaid_minutes"], quote["billed_minutes"]) == (60, 60)
    assert (quote["amount_excl_vat_cents"], quote["amount_incl_vat_cents"]) == (1200, 1440)

    reservation = book_on_the_web(client, printer, company=True)
    with at(START + timedelta(minutes=2)):
        client.post(f"/kiosk/machines/{printer.id}/check-in", data={})
    with at(END + timedelta(minutes=10)):
        run_jobs(db)
    db.session.refresh(reservation)
    assert reservation.status == "completed" and reservation.prepaid_minutes == 60

    month = [i for i in invoice_the_month(db) if i.period == "2027-03"]
    (invoice,) = month
    assert invoice.company_id == company.id
    (line,) = invoice.lines
    assert line.amount_excl_cents == quote["amount_excl_vat_cents"]
    assert invoice.total_incl_cents == quote["amount_incl_vat_cents"]
