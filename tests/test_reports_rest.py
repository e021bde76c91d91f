# ruff: noqa: F811  (fixtures imported from tests.test_reports_figures)
"""Partner organisations in the outreach figures, the revenue segment kept on each invoice,
and grants shared between several machines — through the manager's own pages.

The history (tests.test_reports_figures): in October 2026 a member, a member of the public
and Acme's employee use the laser (12,000 €, bought 1 January 2026); the invoices are issued
on 2 November (member 25 €, Acme 180 €, public 20 € cancelled by a credit note on 3 November).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from fablab.billing.invoices import issue_credit_note
from fablab.billing.models import Invoice
from fablab.billing.runs import run_monthly_invoicing
from fablab.events.models import Event, EventPartner, PartnerOrganisation
from fablab.reports import revenue
from fablab.reports.models import Grant
from fablab.transaction import commit
from tests.bookings_fixtures import paris
from tests.test_reports_figures import (  # noqa: F401  (fixtures)
    NOVEMBER,
    _english,
    at,
    attend,
    history,
    lab,
    laser,
)
from tests.test_reports_web import pdf_text

MARCH = {"start": "2027-03-01", "end": "2027-04-01"}
NOVEMBER_API = {"start": "2026-11-01", "end": "2026-12-01"}
NOVEMBER_PAGE = {"period": "month", "date": "2026-11-01"}


@pytest.fixture
def as_manager(client, login_as, manager):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    manager.locale = "en"
    return login_as(manager)


def api_summary(client, period: dict) -> dict:
    response = client.get("/api/v1/reports/summary", query_string=period)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --- Partner organisations ------------------------------------------------------------------


def add_partner(client, **values) -> int:
    response = client.post("/events/partners", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.application.extensions["sqlalchemy"].session.scalar(
        sa.select(PartnerOrganisation.id).where(PartnerOrganisation.name == values["name"])
    )


def new_event(client, title: str, day: str, partners: list[int], publish: bool = True) -> int:
    form = {
        "kind": "discovery_day",
        "audience": "public",
        "title_fr": title,
        "title_en": title,
        "start_at": f"{day}T14:00",
        "end_at": f"{day}T17:00",
        "capacity": "20",
        "qualification_id": "0",
        "partners": [str(p) for p in partners],
    }
    response = client.post("/events/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    event_id = int(response.headers["Location"].split("/")[-2])
    if publish:
        assert client.post(f"/events/{event_id}/publish").status_code == 302
    return event_id


@pytest.fixture
def partnered(as_manager, db, lab):
    """March 2027: a discovery day with the school and the chamber of commerce, a second one
    with the school; a draft with the cluster (not held); an April event with the cluster."""
    school = add_partner(as_manager, name="Lycée Ampère", kind="school", town="Lyon")
    chamber = add_partner(
        as_manager, name="CCI Lyon", kind="chamber_of_commerce", website="cci.example.org"
    )
    cluster = add_partner(as_manager, name="Cluster Plasturgie", kind="cluster")
    new_event(as_manager, "Journée des lycéens", "2027-03-10", [school, chamber])
    new_event(as_manager, "Portes ouvertes", "2027-03-20", [school])
    new_event(as_manager, "Brouillon", "2027-03-25", [cluster], publish=False)
    new_event(as_manager, "Avril", "2027-04-02", [cluster])
    return {"school": school, "chamber": chamber, "cluster": cluster}


def test_partners_of_the_periods_events_in_the_summary_api(as_manager, partnered):
    outreach = api_summary(as_manager, MARCH)["outreach"]
    assert outreach["events"] == 2
    assert outreach["partner_organisations"] == 2
    assert outreach["partners"] == [
        {
            "partner_id": partnered["school"],
            "name": "Lycée Ampère",
            "kind": "school",
            "town": "Lyon",
            "website": "",
            "events": 2,
        },
        {
            "partner_id": partnered["chamber"],
            "name": "CCI Lyon",
            "kind": "chamber_of_commerce",
            "town": "",
            "website": "https://cci.example.org",
            "events": 1,
        },
    ]
    april = api_summary(as_manager, {"start": "2027-04-01", "end": "2027-05-01"})["outreach"]
    assert [(p["name"], p["events"]) for p in april["partners"]] == [("Cluster Plasturgie", 1)]


def test_partners_on_the_dashboard_exports_and_funder_report(as_manager, partnered):
    query = {"period": "month", "date": "2027-03-01"}
    page = as_manager.get("/reports/", query_string=query).get_data(as_text=True)
    assert "2 partner organisations linked to the events of the period." in page
    table = page[page.index('id="partners-table"') :]
    table = table[: table.index("</table>")]
    assert "Lycée Ampère" in table and "Chamber of commerce" in table
    assert "Cluster Plasturgie" not in table  # a draft is not an event held
    csv_lines = (
        as_manager.get("/reports/export/partners.csv", query_string=query)
        .get_data(as_text=True)
        .splitlines()
    )
    assert csv_lines == [
        "organisation,kind,town,website,events",
        "Lycée Ampère,school,Lyon,,2",
        "CCI Lyon,chamber_of_commerce,,https://cci.example.org,1",
    ]
    funder = as_manager.get("/reports/funder", query_string=query).get_data(as_text=True)
    assert "CCI Lyon" in funder
    pdf = pdf_text(as_manager.get("/reports/funder.pdf", query_string=query | {"lang": "en"}).data)
    assert "Partner organisations" in pdf and "CCI Lyon" in pdf


def test_the_event_form_links_and_unlinks_partners(as_manager, db, partnered):
    event_id = db.session.scalar(sa.select(Event.id).where(Event.title_fr == "Portes ouvertes"))
    edit = as_manager.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert f'<option selected value="{partnered["school"]}">' in edit or (
        f'value="{partnered["school"]}" selected' in edit
    )
    form = {
        "kind": "discovery_day",
        "audience": "public",
        "title_fr": "Portes ouvertes",
        "start_at": "2027-03-20T14:00",
        "end_at": "2027-03-20T17:00",
        "capacity": "20",
        "qualification_id": "0",
        "partners": [str(partnered["chamber"]), str(partnered["cluster"])],
    }
    assert as_manager.post(f"/events/{event_id}/edit", data=form).status_code == 302
    outreach = api_summary(as_manager, MARCH)["outreach"]
    assert {p["name"]: p["events"] for p in outreach["partners"]} == {
        "CCI Lyon": 2,
        "Lycée Ampère": 1,
        "Cluster Plasturgie": 1,
    }
    page = as_manager.get(f"/events/{event_id}/registrations").get_data(as_text=True)
    assert "Partner organisations: CCI Lyon, Cluster Plasturgie." in page


def test_the_manager_lists_and_edits_partners_from_the_menu(as_manager, db, partnered):
    assert 'href="/events/partners"' in as_manager.get("/events/manage").get_data(as_text=True)
    listing = as_manager.get("/events/partners").get_data(as_text=True)
    assert "Lycée Ampère" in listing and "Chamber of commerce" in listing
    school = partnered["school"]
    response = as_manager.post(
        f"/events/partners/{school}",
        data={"name": "Lycée Ampère Saxe", "kind": "school", "town": "Lyon 7e"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PartnerOrganisation, school).town == "Lyon 7e"
    # Linked to events: it stays (past reports keep their partners).
    as_manager.post(f"/events/partners/{school}/delete")
    assert db.session.get(PartnerOrganisation, school) is not None
    unused = add_partner(as_manager, name="Fablab voisin", kind="association")
    assert as_manager.post(f"/events/partners/{unused}/delete").status_code == 302
    assert db.session.get(PartnerOrganisation, unused) is None


@pytest.mark.parametrize(
    "values, message",
    [
        ({"name": " ", "kind": "school"}, "Give the organisation"),
        ({"name": "lycée ampère", "kind": "school"}, "An organisation already has this name."),
        ({"name": "X", "kind": "guild"}, "Not a valid choice"),
        ({"name": "X", "kind": "other", "website": "javascript:alert(1)"}, "web address"),
    ],
)
def test_bad_partner_input_is_refused_beside_the_field(as_manager, db, lab, values, message):
    add_partner(as_manager, name="Lycée Ampère", kind="school")
    response = as_manager.post("/events/partners", data=values)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "field-error" in body
    assert db.session.scalar(sa.select(sa.func.count(PartnerOrganisation.id))) == 1


def test_an_unknown_partner_on_the_event_form_saves_nothing(as_manager, db, lab):
    form = {
        "kind": "discovery_day",
        "audience": "public",
        "title_fr": "Journée",
        "start_at": "2027-03-10T14:00",
        "end_at": "2027-03-10T17:00",
        "capacity": "20",
        "qualification_id": "0",
        "partners": ["999"],
    }
    assert as_manager.post("/events/new", data=form).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(EventPartner.id))) == 0


def test_members_cannot_manage_partners(client, login_as, member):
    login_as(member)
    assert client.get("/events/partners").status_code == 403
    assert client.post("/events/partners", data={"name": "X", "kind": "school"}).status_code == 403


# --- The revenue segment taken when the invoice is issued ------------------------------------


def change_category(client, user, category: str) -> None:
    response = client.post(
        f"/manage/users/{user.id}",
        data={"name": user.name, "role": user.role, "category": category, "company_id": "0"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_later_change_of_category_does_not_move_past_revenue(
    app, as_manager, db, history, laser, manager
):
    member = history["Member"].user
    before = api_summary(as_manager, NOVEMBER_API)["revenue_by_segment"]
    assert before == {"member": 2500, "public": 0, "reduced": 0, "company": 18000}
    change_category(as_manager, member, "reduced")
    db.session.expire_all()
    assert db.session.get(type(member), member.id).category == "reduced"
    assert api_summary(as_manager, NOVEMBER_API)["revenue_by_segment"] == before
    page = as_manager.get("/reports/export/revenue_by_segment.csv", query_string=NOVEMBER_PAGE)
    assert "member,25.00,0.122" in page.get_data(as_text=True).splitlines()
    # From now on the member pays and counts at the reduced rate.
    attend(laser, member, paris(2026, 11, 16, 10), paris(2026, 11, 16, 11), used_minutes=60)
    with at(datetime(2026, 12, 2, 8, tzinfo=UTC)):
        run = run_monthly_invoicing(month=date(2026, 11, 1), issued_by=manager)
        commit()
    [december_invoice] = run.invoices
    assert december_invoice.customer_segment == "reduced"
    # Cancelling the November invoice now takes the revenue back from the members' segment.
    with at(datetime(2026, 12, 3, 8, tzinfo=UTC)):
        credit = issue_credit_note(invoice=history["Member"], reason="Geste commercial")
        commit()
    assert credit.customer_segment == "member"
    december = api_summary(as_manager, {"start": "2026-12-01", "end": "2027-01-01"})
    assert december["revenue_by_segment"] == {
        "member": -2500,
        "public": 0,
        "reduced": december_invoice.total_excl_cents,
        "company": 0,
    }
    assert api_summary(as_manager, NOVEMBER_API)["revenue_by_segment"] == before
    verify = app.test_cli_runner().invoke(args=["invoices", "verify"])
    assert verify.exit_code == 0, verify.output


def test_the_migration_fills_the_segment_of_documents_issued_before_it(app, db, history):
    """Down to 0015_public and up again: the documents get the segment their buyer has, a
    credit note its invoice's, so November's figures do not move and the chain still holds."""
    before = revenue.by_segment(NOVEMBER)
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="0017_reports_rest-1")
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("invoices")}
        assert "customer_segment" not in columns
    finally:
        upgrade(revision="heads")
    segments = dict(db.session.execute(sa.select(Invoice.number, Invoice.customer_segment)).all())
    assert sorted(segments.values()) == ["company", "member", "public", "public"]
    assert revenue.by_segment(NOVEMBER) == before
    verify = app.test_cli_runner().invoke(args=["invoices", "verify"])
    assert verify.exit_code == 0, verify.output


# --- Grants shared between several machines -------------------------------------------------


@pytest.fixture
def cutter(make_machine, lab):
    return make_machine(
        name="Vinyl cutter",
        kind="other",
        purchase_cost_cents=600_000,
        purchase_date=date(2026, 1, 1),
        lifetime_hours=1000,
    )


def grant_form(machines: list, shares: list[str] | None = None, amount: str = "10000") -> dict:
    data = {
        "grant-funder": "Région",
        "grant-amount_cents": amount,
        "grant-received_on": "2026-02-01",
    }
    for index, machine in enumerate(machines):
        data[f"grant-machines-{index}-machine_id"] = str(machine.id)
        data[f"grant-machines-{index}-chosen"] = "y"
        data[f"grant-machines-{index}-amount_cents"] = shares[index] if shares else ""
    return data


def paybacks(client) -> dict:
    return {row["name"]: row for row in api_summary(client, NOVEMBER_API)["payback"]}


def test_a_grant_over_two_machines_is_split_by_purchase_cost(
    as_manager, db, history, laser, cutter
):
    """10,000 € over the laser (12,000 €) and the cutter (6,000 €): 2/3 and 1/3, i.e.
    6,666.666… € and 3,333.333… €; the cent left over goes to the larger remainder."""
    response = as_manager.post("/reports/grants", data=grant_form([laser, cutter]))
    assert response.status_code == 302, response.get_data(as_text=True)
    grant = db.session.scalar(sa.select(Grant))
    assert {s.machine_id: s.amount_cents for s in grant.shares} == {
        laser.id: 666_667,
        cutter.id: 333_333,
    }
    rows = paybacks(as_manager)
    assert rows["Laser"]["grants_cents"] == 666_667
    assert rows["Laser"]["net_cost_cents"] == 1_200_000 - 666_667 == 533_333
    assert rows["Laser"]["revenue_since_purchase_cents"] == 20500
    assert rows["Laser"]["net_paid_back_ratio"] == round(20500 / 533_333, 4)
    expected = date(2026, 12, 1) + timedelta(days=round((533_333 - 20500) * 365 / 20500))
    assert rows["Laser"]["projected_net_payback_date"] == expected.isoformat()
    assert rows["Vinyl cutter"]["grants_cents"] == 333_333
    assert rows["Vinyl cutter"]["net_cost_cents"] == 266_667
    assert rows["Vinyl cutter"]["net_paid_back_ratio"] == 0
    page = as_manager.get("/reports/", query_string=NOVEMBER_PAGE).get_data(as_text=True)
    assert "€6,666.67" in page and "€5,333.33" in page and "€2,666.67" in page
    costs_page = as_manager.get("/reports/costs?period=year&date=2026-01-01")
    assert "€3,333.33" in costs_page.get_data(as_text=True)
    pdf = pdf_text(as_manager.get("/reports/funder.pdf", query_string=NOVEMBER_PAGE).data)
    assert "5 333,33" in pdf  # the laser's cost not paid by a grant


def test_explicit_shares_that_add_up_are_kept(as_manager, db, history, laser, cutter):
    data = grant_form([laser, cutter], shares=["7000", "3000,00"])
    assert as_manager.post("/reports/grants", data=data).status_code == 302
    rows = paybacks(as_manager)
    assert rows["Laser"]["net_cost_cents"] == 500_000
    assert rows["Vinyl cutter"]["net_cost_cents"] == 300_000


@pytest.mark.parametrize(
    "shares, message",
    [
        (["7000", "2000"], "add up to €9,000.00, not to the grant"),
        (["7000", ""], "Give an amount for every machine chosen"),
        (["10000", "0"], "must be positive"),
    ],
)
def test_bad_shares_are_refused_and_save_nothing(as_manager, db, laser, cutter, shares, message):
    response = as_manager.post("/reports/grants", data=grant_form([laser, cutter], shares))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "field-error" in body
    assert db.session.scalar(sa.select(sa.func.count(Grant.id))) == 0


def test_a_grant_for_no_machine_pays_for_the_lab_not_a_machine(as_manager, db, history, laser):
    assert as_manager.post("/reports/grants", data=grant_form([])).status_code == 302
    assert paybacks(as_manager)["Laser"]["grants_cents"] == 0
    assert (
        api_summary(as_manager, {"start": "2026-01-01", "end": "2027-01-01"})["grants_cents"]
        == 1_000_000
    )


def test_the_api_document_names_the_new_figures(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    text = str(spec)
    assert "partner_organisations" in text and "net_cost_cents" in text
