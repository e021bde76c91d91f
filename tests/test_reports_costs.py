# ruff: noqa: F811  (fixtures imported from tests.test_reports_figures)
"""Costs and grants the manager records, and what they change in the reports."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from fablab.reports import costs
from fablab.reports.models import Grant, LabCost
from fablab.reports.periods import custom_period, period_of
from fablab.reports.scenarios import replay, save_scenario
from fablab.reports.summary import summary
from fablab.transaction import commit
from tests.test_reports_figures import NOVEMBER, _english, history, lab, laser  # noqa: F401


@pytest.fixture
def recorded(db, history, laser):
    costs.add_cost(month=date(2026, 11, 20), category="rent", amount_cents=100_000)
    costs.add_cost(
        month=date(2026, 11, 1),
        category="maintenance",
        amount_cents=5000,
        machine=laser,
        note="New lens",
    )
    costs.add_grant(
        funder="Région", amount_cents=600_000, received_on=date(2026, 2, 1), machines=[laser]
    )
    commit()


def test_recorded_costs_count_in_cost_recovery(recorded):
    figures = summary(NOVEMBER)
    # The laser: 30 € monthly maintenance + 50 € recorded; the lab: 1,000 € rent.
    [row] = figures["cost_recovery"]
    assert row["recorded_cents"] == 5000 and row["costs_cents"] == 3000 + 5000
    assert figures["costs_cents"] == 3000 + 5000 + 100_000
    assert figures["costs_by_category"]["rent"] == 100_000
    assert figures["cost_recovery_ratio"] == round(20500 / 108_000, 4)
    assert figures["margin_cents"] == 20500 - 108_000


def test_part_of_a_month_counts_part_of_its_costs(recorded):
    first_half = custom_period(date(2026, 11, 1), date(2026, 11, 16))
    assert costs.costs_in(first_half)["by_category"]["rent"] == 50_000


def test_a_grant_lowers_what_the_machine_must_earn_back(recorded):
    [payback] = summary(NOVEMBER)["payback"]
    assert payback["grants_cents"] == 600_000
    assert payback["net_cost_cents"] == 1_200_000 - 600_000
    assert payback["net_paid_back_ratio"] == round(20500 / 600_000, 4)
    assert summary(NOVEMBER)["grants_cents"] == 0
    assert summary(period_of("year", date(2026, 1, 1)))["grants_cents"] == 600_000


def test_scenarios_count_the_recorded_costs(recorded):
    actual, same = replay(NOVEMBER, [save_scenario(values={"name": "Same"})])
    assert actual["costs_cents"] == same["costs_cents"] == 108_000


@pytest.mark.parametrize(
    "values, field",
    [
        ({"category": "rent", "amount_cents": 0, "month": date(2026, 1, 1)}, "amount_cents"),
        ({"category": "party", "amount_cents": 10, "month": date(2026, 1, 1)}, "category"),
        ({"category": "rent", "amount_cents": 10, "month": date(1800, 1, 1)}, "month"),
    ],
)
def test_bad_costs_are_refused(db, values, field):
    with pytest.raises(costs.CostError) as refused:
        costs.add_cost(**values)
    assert refused.value.field == field


def test_a_grant_needs_a_funder(db):
    with pytest.raises(costs.CostError) as refused:
        costs.add_grant(funder=" ", amount_cents=10, received_on=date(2026, 1, 1))
    assert refused.value.field == "funder"


@pytest.fixture
def as_manager(client, login_as, manager):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    manager.locale = "en"
    return login_as(manager)


def test_the_manager_records_and_deletes_costs_and_grants(as_manager, db, laser):
    response = as_manager.post(
        "/reports/costs",
        data={
            "cost-month": "2026-11-05",
            "cost-category": "rent",
            "cost-amount_cents": "1200,50",
            "cost-machine_id": "0",
            "cost-note": "Loyer",
        },
    )
    assert response.status_code == 302
    response = as_manager.post(
        "/reports/grants",
        data={
            "grant-funder": "Région",
            "grant-amount_cents": "6000",
            "grant-received_on": "2026-02-01",
            "grant-machines-0-machine_id": str(laser.id),
            "grant-machines-0-chosen": "y",
        },
    )
    assert response.status_code == 302
    page = as_manager.get("/reports/costs?period=month&date=2026-11-01").get_data(as_text=True)
    assert "€1,200.50" in page and "Loyer" in page
    cost = db.session.scalar(sa.select(LabCost))
    grant = db.session.scalar(sa.select(Grant))
    assert cost.amount_cents == 120_050
    assert [(share.machine_id, share.amount_cents) for share in grant.shares] == [
        (laser.id, 600_000)
    ]
    assert as_manager.post(f"/reports/costs/{cost.id}/delete").status_code == 302
    assert as_manager.post(f"/reports/grants/{grant.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(LabCost.id))) == 0


def test_bad_input_is_shown_beside_the_field_and_saves_nothing(as_manager, db):
    response = as_manager.post(
        "/reports/costs",
        data={
            "cost-month": "2026-11-05",
            "cost-category": "rent",
            "cost-amount_cents": "-3",
            "cost-machine_id": "0",
        },
    )
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    response = as_manager.post("/reports/grants", data={"grant-funder": ""})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(LabCost.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Grant.id))) == 0


def test_members_cannot_see_costs(client, login_as, member):
    login_as(member)
    assert client.get("/reports/costs").status_code == 403
    assert client.post("/reports/costs", data={}).status_code == 403
