# ruff: noqa: F811  (pytest fixtures imported from tests)
"""Races on the offer, with real threads and connections (SQLite and ``--db postgresql``):

* many employees of one company book at the same instant with one small pack: the
  pack never goes below zero and every accepted booking drew exactly its minutes;
* many managers send quotes at once: numbers D-YYYY-0001… are gapless and unique.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from fablab.accounts.models import Company, User
from fablab.bookings.models import Reservation
from fablab.bookings.services import create_reservation
from fablab.machines.models import Machine
from fablab.payments import pack_products, packs, quotes
from fablab.payments.offer_models import Pack, PackDraw, Quote
from tests.bookings_fixtures import NOW, open_lab, paris  # noqa: F401
from tests.test_booking_race import wide_pool  # noqa: F401

pytestmark = pytest.mark.slow

THREADS = 20


def run_threads(count: int, work) -> list[tuple[str, object]]:
    barrier = threading.Barrier(count)
    results: list[tuple[str, object]] = [("missing", None)] * count

    def attempt(index: int) -> None:
        try:
            results[index] = work(index, barrier)
        except Exception as error:  # noqa: BLE001  (reported by the assertions)
            results[index] = ("error", repr(error))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_employees_booking_at_once_never_overspend_the_pack(
    app, db, open_lab, make_company, make_user, make_machine, wide_pool
):
    with app.test_request_context():
        company = make_company(legal_name="Racing Ltd")
        contact = make_user(company=company, is_company_contact=True)
        product = pack_products.save_product(
            name_fr="5 h laser",
            name_en="5 h laser",
            minutes=300,
            price_cents=12500,
            validity_months=12,
            machine_kinds=["laser_cutter"],
        )
        with time_machine.travel(NOW - timedelta(days=1), tick=False):
            pack = packs.buy_on_invoice(product=product, by=contact, company=company)
        db.session.commit()
    employees = [make_user(company=company).id for _ in range(THREADS)]
    machines = [make_machine(kind="laser_cutter").id for _ in range(THREADS)]
    company_id, pack_id = company.id, pack.id
    db.session.remove()

    def book(index: int, barrier) -> tuple[str, object]:
        with app.app_context():
            user = db.session.get(User, employees[index])
            machine = db.session.get(Machine, machines[index])
            company = db.session.get(Company, company_id)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                reservation = create_reservation(
                    machine=machine,
                    user=user,
                    company=company,
                    start=paris(2027, 3, 2, 10),
                    end=paris(2027, 3, 2, 11),
                    now=NOW,
                )
                db.session.commit()
                return ("booked", reservation.id)
            finally:
                db.session.rollback()
                db.session.remove()

    results = run_threads(THREADS, book)

    assert [r for r in results if r[0] != "booked"] == []
    pack = db.session.get(Pack, pack_id)
    assert pack.minutes_remaining == 0  # 20 hours asked, 5 hours held: all used, never below
    drawn = dict(
        db.session.execute(
            sa.select(PackDraw.reservation_id, sa.func.sum(PackDraw.minutes)).group_by(
                PackDraw.reservation_id
            )
        ).all()
    )
    bookings = db.session.scalars(sa.select(Reservation)).all()
    assert len(bookings) == THREADS
    for reservation in bookings:
        assert reservation.prepaid_minutes == drawn.get(reservation.id, 0)
    assert sum(drawn.values()) == 300
    assert sorted(r.prepaid_minutes for r in bookings)[-5:] == [60] * 5


def test_quotes_sent_at_once_get_gapless_numbers(app, db, make_company, wide_pool):
    with app.test_request_context():
        quote_ids = []
        for n in range(THREADS):
            quote = quotes.request_quote(
                service=None,
                company_name=f"Client {n}",
                contact_name="Contact",
                contact_email=f"contact{n}@client.example",
                text="A prototype",
            )
            quotes.save_draft(
                quote=quote,
                lines=[quotes.LineInput("Prototype", 1000, 50000)],
                vat_rate_bp=2000,
                valid_until=date(2099, 1, 1),
            )
            quote_ids.append(quote.id)
        db.session.commit()
    db.session.remove()

    def send(index: int, barrier) -> tuple[str, object]:
        with app.app_context():
            quote = db.session.get(Quote, quote_ids[index])
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                quotes.send_quote(quote=quote, now=NOW)
                db.session.commit()
                return ("sent", quote.number)
            finally:
                db.session.rollback()
                db.session.remove()

    results = run_threads(THREADS, send)

    assert [r for r in results if r[0] != "sent"] == []
    numbers = sorted(number for _, number in results)
    assert numbers == [f"D-2027-{n:04d}" for n in range(1, THREADS + 1)]
