# ruff: noqa: F811  (fixtures imported from tests.test_reports_figures)
"""The reports as a manager reads them: dashboard, exports, funder PDF, API and CLI."""

from __future__ import annotations

import io
import json
import re
import zlib

import pytest
from openpyxl import load_workbook

from tests.test_reports_figures import history, lab, laser  # noqa: F401  (fixtures)

NOVEMBER = {"period": "month", "date": "2026-11-01"}


def pdf_text(body: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its page streams are zlib-compressed)."""
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            chunks.append(zlib.decompress(stream).decode("cp1252", errors="replace"))
        except zlib.error:
            chunks.append(stream.decode("cp1252", errors="replace"))
    return "".join(chunks)


@pytest.fixture
def as_manager(client, login_as, manager):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    manager.locale = "en"
    return login_as(manager)


def test_the_manager_menu_leads_to_the_reports(as_manager):
    page = as_manager.get("/machines/").get_data(as_text=True)
    assert 'href="/reports/"' in page


def test_dashboard_shows_the_periods_figures(as_manager, history):
    page = as_manager.get("/reports/", query_string=NOVEMBER).get_data(as_text=True)
    assert "€205.00" in page  # revenue of November, excl. VAT
    assert "87.8" in page  # share from companies (180 / 205)
    assert "Acme" in page
    assert 'href="/reports/?period=month&amp;date=2026-10-01"' in page  # previous month


@pytest.mark.parametrize(
    "query",
    [
        {"period": "custom", "start": "2026-11-05", "end": "2026-11-01"},
        {"period": "custom", "start": "nonsense"},
        {"period": "month", "date": "1800-01-01"},
        {"period": "weekly"},
    ],
)
def test_bad_periods_fall_back_to_a_month_with_a_message(as_manager, query):
    response = as_manager.get("/reports/", query_string=query)
    assert response.status_code == 200


def test_members_and_visitors_see_no_report(client, login_as, member):
    assert client.get("/reports/").status_code in (302, 401)
    login_as(member)
    for url in (
        "/reports/",
        "/reports/export/utilisation.csv",
        "/reports/funder",
        "/reports/funder.pdf",
        "/api/v1/reports/summary?start=2026-01-01&end=2027-01-01",
    ):
        assert client.get(url).status_code == 403, url


def test_every_table_exports_as_csv_and_the_workbook_holds_them_all(as_manager, history):
    csv_body = as_manager.get("/reports/export/revenue_by_segment.csv", query_string=NOVEMBER)
    assert csv_body.mimetype == "text/csv"
    lines = csv_body.get_data(as_text=True).splitlines()
    assert lines[0] == "segment,revenue_excl_vat,share"
    assert "company,180.00,0.878" in lines  # euros exact to the cent, never a float
    from fablab.reports.exports import TABLES

    for name in TABLES:
        assert (
            as_manager.get(f"/reports/export/{name}.csv", query_string=NOVEMBER).status_code == 200
        )
    book = load_workbook(
        io.BytesIO(as_manager.get("/reports/export/all.xlsx", query_string=NOVEMBER).data)
    )
    assert set(book.sheetnames) == {name[:31] for name in TABLES}
    rows = list(book["revenue_by_segment"].values)
    assert ("company", 180, 0.878) in rows
    assert as_manager.get("/reports/export/secrets.csv").status_code == 404


def test_the_funder_report_holds_the_headline_figures(as_manager, history):
    page = as_manager.get("/reports/funder", query_string=NOVEMBER).get_data(as_text=True)
    assert "Share of revenue from companies" in page
    body = as_manager.get("/reports/funder.pdf", query_string=NOVEMBER | {"lang": "fr"}).data
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert "205,00" in text and "87,8 %" in text
    assert "Chiffre d'affaires" in text or "Revenue" in text


def test_api_summary_for_a_manager(as_manager, history):
    response = as_manager.get("/api/v1/reports/summary?start=2026-11-01&end=2026-12-01")
    assert response.status_code == 200
    body = response.get_json()
    assert body["revenue_excl_vat_cents"] == 20500
    assert body["revenue_by_segment"]["company"] == 18000
    assert body["revenue_by_machine"] == {"Laser": 20500}
    assert body["company_revenue_share"] == round(18000 / 20500, 4)
    assert body["cost_recovery_ratio"] == round(20500 / 3000, 4)
    october = as_manager.get("/api/v1/reports/summary?start=2026-10-01&end=2026-11-01")
    [use] = october.get_json()["utilisation"]
    assert (use["booked_hours"], use["used_hours"], use["open_hours"]) == (6, 4.5, 372)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?start=2026-01-01",
        "?start=2026-02-01&end=2026-01-01",
        "?start=1800-01-01&end=2026-01-01",
        "?start=x&end=y",
    ],
)
def test_api_refuses_bad_periods_with_422(as_manager, query):
    response = as_manager.get(f"/api/v1/reports/summary{query}")
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid"


def test_api_needs_authentication(client):
    assert client.get("/api/v1/reports/summary?start=2026-01-01&end=2026-02-01").status_code == 401


def test_openapi_lists_the_report_route(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/reports/summary"]["get"]
    assert "ReportSummary" in json.dumps(operation)


def test_cli_summary_exports_and_funder_pdf(app, history, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["reports", "summary", "--start", "2026-11-01", "--end", "2026-12-01"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["revenue_excl_vat_cents"] == 20500
    out = tmp_path / "u.csv"
    result = runner.invoke(
        args=[
            "reports",
            "export",
            "--start",
            "2026-10-01",
            "--end",
            "2026-11-01",
            "--table",
            "utilisation",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1].startswith("Laser,laser_cutter,372.0,6.0,4.5")
    pdf = tmp_path / "report.pdf"
    result = runner.invoke(
        args=[
            "reports",
            "funder",
            "--start",
            "2026-11-01",
            "--end",
            "2026-12-01",
            "--lang",
            "en",
            "-o",
            str(pdf),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "205,00" in pdf_text(pdf.read_bytes())
    bad = runner.invoke(args=["reports", "summary", "--start", "2026-12-01", "--end", "2026-11-01"])
    assert bad.exit_code != 0 and "La fin doit être après le début" in bad.output  # lab default: fr


def test_the_funder_report_lists_the_events_held(as_manager, app, manager):
    import time_machine

    from fablab.events.checkin import record_attendance
    from fablab.events.registrations import register
    from fablab.events.services import create_event, publish_event
    from fablab.transaction import commit
    from tests.bookings_fixtures import paris

    start = paris(2026, 11, 14, 14)
    with time_machine.travel(paris(2026, 11, 1, 9), tick=False), app.test_request_context():
        event = create_event(
            by=manager,
            values=dict(
                kind="training",
                title_fr="Sécurité laser",
                title_en="Laser safety",
                start_at=start,
                end_at=start.replace(hour=17),
                place="Atelier",
                capacity=10,
                audience="public",
            ),
        )
        publish_event(event=event)
        for n in range(3):
            registration = register(event=event, email=f"p{n}@example.org", name=f"P{n}")
            registration.status = "confirmed"  # as if the e-mailed link was followed
            if n:
                record_attendance(registration=registration, by=manager, now=start)
        commit()
    body = as_manager.get("/api/v1/reports/summary?start=2026-11-01&end=2026-12-01").get_json()
    [held] = body["outreach"]["events_held"]
    assert (held["title_en"], held["kind"], held["attendances"]) == ("Laser safety", "training", 2)
    assert body["outreach"]["people_trained"] == 2
    page = as_manager.get("/reports/funder", query_string=NOVEMBER).get_data(as_text=True)
    assert "Laser safety" in page
    pdf = as_manager.get("/reports/funder.pdf", query_string=NOVEMBER | {"lang": "fr"}).data
    assert "Sécurité laser" in pdf_text(pdf)
