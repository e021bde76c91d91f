# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Report figures against a small history made by the app's own services, computed by hand.

October 2026 in Paris: a member, a member of the public and a company employee book the
laser; two come, check in and use it, one does not come; the October invoices are issued
on 2 November; the public customer's invoice is cancelled by a credit note on 3 November;
the company pays on 10 November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from flask_babel import force_locale

from fablab.billing.invoices import issue_credit_note
from fablab.billing.payments import record_payment
from fablab.billing.runs import run_monthly_invoicing
from fablab.bookings.checkin import check_in, complete_attended, release_no_shows
from fablab.bookings.services import create_reservation
from fablab.machines.lab import set_opening_hours
from fablab.machines.services import add_closure
from fablab.reports import customers, revenue, utilisation
from fablab.reports.periods import Period, custom_period, period_of
from fablab.reports.summary import summary
from fablab.transaction import commit
from fablab.usage.services import start_session, stop_session
from tests.bookings_fixtures import paris

OCTOBER = period_of("month", date(2026, 10, 1))
NOVEMBER = period_of("month", date(2026, 11, 1))


@pytest.fixture(autouse=True)
def _english(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def lab(db, lab_settings):
    lab_settings.timezone = "Europe/Paris"
    set_opening_hours(week={day: [(time(8), time(20))] for day in range(7)})
    commit()
    return lab_settings


@pytest.fixture
def laser(make_machine, lab):
    return make_machine(
        name="Laser",
        kind="laser_cutter",
        rate_member_cents=1000,
        rate_public_cents=2000,
        rate_company_cents=6000,
        consumable_unit="gram",
        consumable_rate_cents=5,
        purchase_cost_cents=1_200_000,
        purchase_date=date(2026, 1, 1),
        lifetime_hours=1000,
        monthly_maintenance_cents=3000,
    )


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def attend(machine, user, start, end, *, used_minutes, grams=0, company=None):
    """Book a week ahead, check in at the start, use the machine; the scheduler's completion
    job runs at the end (a session stopped after the end completes the booking itself)."""
    with at(start - timedelta(days=7)):
        booking = create_reservation(
            machine=machine, user=user, start=start, end=end, company=company
        )
        commit()
    with at(start):
        check_in(machine=machine, user=user, now=start)
        session = start_session(
            machine=machine, user=user, source="kiosk", at=start, reservation=booking
        )
        commit()
    with at(start + timedelta(minutes=used_minutes)):
        stop_session(session=session, at=start + timedelta(minutes=used_minutes), consumables=grams)
        commit()
    with at(end):
        complete_attended(now=end)
        commit()
    return booking


@pytest.fixture
def history(db, laser, make_user, make_company, manager):
    member = make_user(name="Member", category="member")
    public = make_user(name="Public", category="public")
    acme = make_company(legal_name="Acme")
    employee = make_user(name="Employee", company=acme)
    attend(
        laser, member, paris(2026, 10, 5, 10), paris(2026, 10, 5, 12), used_minutes=90, grams=100
    )
    attend(
        laser,
        employee,
        paris(2026, 10, 6, 14),
        paris(2026, 10, 6, 17),
        used_minutes=180,
        company=acme,
    )
    missed_start = paris(2026, 10, 7, 9)
    with at(missed_start - timedelta(days=7)):
        create_reservation(
            machine=laser, user=public, start=missed_start, end=missed_start + timedelta(hours=1)
        )
        commit()
    with at(missed_start + timedelta(minutes=20)):
        assert len(release_no_shows()) == 1
        commit()
    with at(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        run = run_monthly_invoicing(month=date(2026, 10, 1), issued_by=manager)
        commit()
    invoices = {inv.buyer_name: inv for inv in run.invoices}
    with at(datetime(2026, 11, 3, 8, tzinfo=UTC)):
        issue_credit_note(invoice=invoices["Public"], reason="Machine was out of order")
        commit()
    with at(datetime(2026, 11, 10, 8, tzinfo=UTC)):
        record_payment(
            invoice=invoices["Acme"],
            amount_cents=21600,
            method="transfer",
            received_on=date(2026, 11, 10),
        )
        commit()
    return invoices


def test_revenue_of_the_month_the_invoices_were_issued(history):
    # Member: 2 booked hours at 10 € + 100 g at 0.05 €; Acme: 3 h at 60 €;
    # public: 1 missed hour at 20 €, then cancelled by a credit note.
    assert revenue.total_cents(NOVEMBER) == 2000 + 500 + 18000 + 2000 - 2000
    assert revenue.total_cents(OCTOBER) == 0


def test_revenue_by_segment_sums_to_the_total(history):
    segments = revenue.by_segment(NOVEMBER)
    assert segments == {"member": 2500, "public": 0, "reduced": 0, "company": 18000}
    assert sum(segments.values()) == revenue.total_cents(NOVEMBER)


def test_a_credit_note_lowers_revenue_where_the_invoice_counted(history):
    before_credit = custom_period(date(2026, 11, 1), date(2026, 11, 3))
    assert revenue.by_segment(before_credit)["public"] == 2000
    assert revenue.total_cents(before_credit) == 22500
    assert revenue.total_cents(NOVEMBER) == 20500


def test_revenue_by_product_and_machine(history, laser):
    assert revenue.by_product(NOVEMBER) == {
        "machine_time": 20000,
        "consumable": 500,
        "membership": 0,
        "pack": 0,
        "event": 0,
        "other": 0,
    }
    [row] = revenue.by_machine(NOVEMBER)
    assert row["machine_id"] == laser.id and row["revenue_cents"] == 20500


def test_company_share_cash_and_what_is_still_due(history):
    figures = summary(NOVEMBER, today=date(2026, 12, 10))
    assert figures["company_revenue_share"] == round(18000 / 20500, 4)
    assert figures["cash_received_cents"] == 21600  # Acme, incl. VAT
    # The member's invoice (25 € + VAT) is unpaid, due 30 days after 2 November.
    assert figures["unpaid_cents"] == 3000 and figures["unpaid_invoices"] == 1
    assert figures["overdue_cents"] == 3000
    assert summary(NOVEMBER, today=date(2026, 11, 20))["overdue_cents"] == 0
    assert figures["top_companies"] == [
        {"company_id": history["Acme"].company_id, "name": "Acme", "revenue_cents": 18000}
    ]


def test_utilisation_of_october(history, laser):
    [row] = utilisation.by_machine(OCTOBER)
    assert row["open_hours"] == 31 * 12  # 8:00–20:00 every day, 25 October included
    assert row["booked_hours"] == 6  # 2 h + 3 h + the missed hour
    assert row["used_hours"] == 4.5
    assert (row["bookings"], row["no_shows"]) == (3, 1)
    assert row["material_milli"] == 100_000
    assert row["booked_rate"] == round(6 / 372, 4)


def test_heat_map_puts_booked_hours_in_local_weekday_and_hour(history):
    grid = utilisation.heat_map(OCTOBER)
    assert grid[0][10] == 1 and grid[0][11] == 1  # Monday 5th, 10:00–12:00 Paris
    assert [grid[1][h] for h in (14, 15, 16)] == [1, 1, 1]  # Tuesday 6th
    assert grid[2][9] == 1  # the missed booking still booked the slot
    assert sum(map(sum, grid)) == 6


def test_cost_recovery_and_payback(history, laser):
    figures = summary(OCTOBER)
    [row] = figures["cost_recovery"]
    # 4.5 h used of a 1,000-hour life of a 12,000 € machine, plus a month of maintenance.
    assert row["depreciation_cents"] == 5400 and row["maintenance_cents"] == 3000
    assert row["revenue_cents"] == 0 and row["cost_recovery_ratio"] == 0
    november = summary(NOVEMBER)
    assert november["cost_recovery_ratio"] == round(20500 / 3000, 4)
    [payback] = november["payback"]
    assert payback["revenue_since_purchase_cents"] == 20500
    assert payback["paid_back_ratio"] == round(20500 / 1_200_000, 4)
    expected = date(2026, 12, 1) + timedelta(days=round((1_200_000 - 20500) * 365 / 20500))
    assert payback["projected_payback_date"] == expected.isoformat()


def test_customers_of_october(history):
    assert customers.active_people(OCTOBER) == {
        "member": 1,
        "public": 1,
        "reduced": 0,
        "company": 1,
    }
    assert customers.companies(OCTOBER) == {"active": 1, "new": 1, "returning": 0}
    assert customers.companies(NOVEMBER) == {"active": 1, "new": 0, "returning": 1}
    [cohort] = customers.cohorts(NOVEMBER)
    assert cohort == {"cohort": "2026-11", "customers": 3, "retained": [None] * 6}  # not yet


def test_comparisons_use_the_previous_and_last_years_period():
    month = period_of("month", date(2026, 3, 15))
    assert month.previous() == Period(date(2026, 2, 1), date(2026, 3, 1))
    assert month.last_year() == Period(date(2025, 3, 1), date(2025, 4, 1))
    quarter = period_of("quarter", date(2026, 5, 2))
    assert quarter.previous() == Period(date(2026, 1, 1), date(2026, 4, 1))
    leap = custom_period(date(2028, 2, 29), date(2028, 3, 10))
    assert leap.last_year().start == date(2027, 2, 28)
    assert leap.previous() == Period(date(2028, 2, 19), date(2028, 2, 29))


def test_open_and_booked_hours_across_the_spring_dst_change(db, laser, member, manager):
    """28 March 2027: 02:00 does not exist in Paris, so 01:00–05:00 lasts three hours."""
    set_opening_hours(week={day: [] for day in range(6)} | {6: [(time(1), time(5))]})
    commit()
    march = period_of("month", date(2027, 3, 1))
    with at(paris(2027, 3, 20, 12)):
        create_reservation(
            machine=laser,
            user=member,
            start=paris(2027, 3, 28, 1),
            end=paris(2027, 3, 28, 5),
            override_rules=True,
            by=manager,
        )
        commit()
    [row] = utilisation.by_machine(march)
    assert row["open_hours"] == 4 + 4 + 4 + 3  # Sundays 7, 14, 21 and 28
    assert row["booked_hours"] == 3
    assert row["bookings"] == 0  # still confirmed: not settled, so not in the no-show rate
    grid = utilisation.heat_map(march)
    assert grid[6][1] == 1 and grid[6][2] == 0 and grid[6][3] == 1 and grid[6][4] == 1


def test_open_hours_across_the_autumn_change_and_closures(db, laser):
    set_opening_hours(week={day: [] for day in range(6)} | {6: [(time(1), time(5))]})
    add_closure(
        title="Maintenance",
        start_at=paris(2027, 10, 3, 0),
        end_at=paris(2027, 10, 4, 0),
        machine=laser,
    )
    commit()
    october = period_of("month", date(2027, 10, 1))
    [row] = utilisation.by_machine(october)
    # Sundays 3 (closed for this machine), 10, 17, 24 and 31 (02:00–03:00 twice: 5 hours).
    assert row["open_hours"] == 4 + 4 + 4 + 5


def test_an_empty_period_has_zero_figures_and_no_ratios(db, laser):
    figures = summary(period_of("year", date(2030, 1, 1)))
    assert figures["revenue_excl_vat_cents"] == 0
    assert figures["company_revenue_share"] is None
    assert figures["utilisation"][0]["booked_rate"] == 0


def count_queries(db, action) -> int:
    import sqlalchemy as sa

    seen = []

    def listener(*_args):
        seen.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_lab(db, history, make_machine):
    """Every figure is a GROUP BY: more machines and invoices, the same number of queries."""
    few = count_queries(db, lambda: summary(NOVEMBER))
    for n in range(5):
        make_machine(name=f"Extra {n}", purchase_date=date(2026, 2, 1), lifetime_hours=100)
    assert count_queries(db, lambda: summary(NOVEMBER)) == few
