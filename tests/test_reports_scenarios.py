# ruff: noqa: F811  (fixtures imported from tests.test_reports_figures)
"""Pricing scenarios replay the period's actual sales under another offer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from fablab.billing.charges import charge_membership
from fablab.billing.invoices import issue_invoice
from fablab.reports.models import PricingScenario
from fablab.reports.periods import period_of
from fablab.reports.scenarios import ScenarioError, replay, save_scenario
from fablab.transaction import commit
from tests.test_reports_figures import NOVEMBER, _english, at, history, lab, laser  # noqa: F401


def test_a_scenario_with_todays_prices_reproduces_actual_revenue(history):
    same = save_scenario(values={"name": "Today's prices"})
    actual, replayed = replay(NOVEMBER, [same])
    assert replayed["revenue_excl_vat_cents"] == actual["revenue_excl_vat_cents"] == 20500
    assert replayed["revenue_by_segment"] == actual["revenue_by_segment"]
    assert replayed["cost_recovery_ratio"] == actual["cost_recovery_ratio"]


def test_company_rate_up_and_member_rate_down(history):
    scenario = save_scenario(
        values={
            "name": "Companies +20 %, members -10 %",
            "company_rate_pct": 20,
            "member_rate_pct": -10,
        }
    )
    _, replayed = replay(NOVEMBER, [scenario])
    # Acme's 180 € of machine time +20 %; the member's 20 € of time -10 %, material unchanged.
    assert replayed["revenue_by_segment"] == {
        "member": 1800 + 500,
        "public": 0,
        "reduced": 0,
        "company": 21600,
    }
    assert replayed["revenue_excl_vat_cents"] == 23900
    assert replayed["company_revenue_share"] == round(21600 / 23900, 4)
    assert replayed["cost_recovery_ratio"] == round(23900 / 3000, 4)


def test_volume_changes_time_material_and_depreciation(history):
    scenario = save_scenario(values={"name": "Half the use", "volume_pct": -50})
    october = period_of("month", date(2026, 10, 1))
    actual, replayed = replay(october, [scenario])
    # No revenue in October (invoiced in November); 4.5 h used: 54 € depreciation, 30 € upkeep.
    assert actual["costs_cents"] == 5400 + 3000
    assert replayed["costs_cents"] == 2700 + 3000
    _, november = replay(NOVEMBER, [scenario])
    assert november["revenue_excl_vat_cents"] == (2000 + 500 + 18000) // 2


def test_a_membership_fee_replaces_each_membership_sold(db, lab, make_user):
    people = [make_user(category="member") for _ in range(3)]
    with at(datetime(2026, 1, 10, 9, tzinfo=UTC)):
        for person in people:
            charge = charge_membership(user=person, year=2026)
            issue_invoice(charges=[charge], user=person)
        commit()
    january = period_of("month", date(2026, 1, 1))
    scenario = save_scenario(values={"name": "Membership 40 €", "membership_fee_cents": 4000})
    actual, replayed = replay(january, [scenario])
    assert actual["revenue_by_segment"]["member"] == 3 * 3000  # today's fee: 30 €
    assert replayed["revenue_by_segment"]["member"] == 3 * 4000


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": " "}, "name"),
        ({"name": "x", "company_rate_pct": 1001}, "company_rate_pct"),
        ({"name": "x", "membership_fee_cents": -1}, "membership_fee_cents"),
    ],
)
def test_bad_scenarios_are_refused(db, values, field):
    with pytest.raises(ScenarioError) as refused:
        save_scenario(values=values)
    assert refused.value.field == field


def test_names_are_unique(db):
    save_scenario(values={"name": "A"})
    with pytest.raises(ScenarioError):
        save_scenario(values={"name": "A"})


@pytest.fixture
def as_manager(client, login_as, manager):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    manager.locale = "en"
    return login_as(manager)


def test_the_manager_saves_compares_and_deletes_a_scenario(as_manager, db, history):
    form = {
        "name": "Company +20 %",
        "company_rate_pct": "20",
        "member_rate_pct": "",
        "public_rate_pct": "0",
        "reduced_rate_pct": "0",
        "material_pct": "0",
        "volume_pct": "0",
        "membership_fee_cents": "",
        "note": "",
    }
    response = as_manager.post("/reports/scenarios?period=month&date=2026-11-01", data=form)
    assert response.status_code == 302
    page = as_manager.get("/reports/scenarios?period=month&date=2026-11-01").get_data(as_text=True)
    assert "Company +20 %" in page and "€241.00" in page and "€205.00" in page
    scenario = db.session.scalar(sa.select(PricingScenario))
    deleted = as_manager.post(f"/reports/scenarios/{scenario.id}/delete", data={})
    assert deleted.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(PricingScenario.id))) == 0


def test_bad_input_shows_the_error_and_saves_nothing(as_manager, db):
    response = as_manager.post("/reports/scenarios", data={"name": "", "company_rate_pct": "5000"})
    assert response.status_code == 200
    assert "field-error" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PricingScenario.id))) == 0


def test_members_cannot_see_scenarios(client, login_as, member):
    login_as(member)
    assert client.get("/reports/scenarios").status_code == 403
