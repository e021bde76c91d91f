"""In a real browser: the demo manager reads the reports, changes the period, builds a
pricing scenario and downloads the CSV, the XLSX and the funder PDF."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from fablab.machines.zone import to_local
from fablab.reports.periods import period_of
from fablab.seed import seed_demo
from fablab.timeutil import utcnow
from fablab.transaction import commit
from tests.test_reports_web import pdf_text

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "accept_downloads": True}


@pytest.fixture
def demo_lab(app, db):
    with app.test_request_context():
        seed_demo()
        commit()
        return period_of("month", to_local(utcnow()).date()).previous()


def log_in_as_manager(page, live_server):
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill("manager@example.org")
    page.locator("input[name=password]").fill("demo-password")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def test_the_manager_reads_the_reports_and_tests_a_scenario(page, live_server, demo_lab, app):
    log_in_as_manager(page, live_server)
    page.get_by_text("Gérer").click()
    page.get_by_role("link", name="Rapports").click()
    assert page.get_by_role("heading", name="Rapports").is_visible()

    page.locator("#report-period").select_option("month")
    page.get_by_label("Un jour de la période").fill(demo_lab.start.isoformat())
    page.get_by_role("button", name="Afficher").click()
    revenue = page.locator("#kpi-revenue").inner_text()
    assert revenue.strip() not in ("", "0,00 €")
    page.get_by_role("link", name="← Précédente").click()
    assert page.locator("#kpi-revenue").inner_text() != ""

    page.goto(f"{live_server}/reports/?period=month&date={demo_lab.start.isoformat()}")
    with page.expect_download() as csv_download:
        page.locator("#revenue a", has_text="CSV").first.click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    with open(csv_download.value.path(), encoding="utf-8") as handle:
        assert handle.readline().startswith("month,revenue_excl_vat")
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Tous les tableaux (XLSX)").click()
    with open(xlsx_download.value.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert "utilisation" in book.sheetnames
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Rapport pour les financeurs (PDF)").click()
    with open(pdf_download.value.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert "Chiffre d'affaires HT" in text
    assert revenue.replace("\u202f", " ").replace("\xa0", " ").strip() in text.replace("\xa0", " ")

    page.get_by_role("button", name="Scénarios tarifaires").click()
    page.get_by_label("Nom").fill("Entreprises +20 %")
    page.get_by_label("Tarifs machines des entreprises").fill("20")
    page.get_by_role("button", name="Enregistrer et comparer").click()
    table = page.locator("#scenario-comparison")
    assert "Entreprises +20 %" in table.inner_text()
    assert "Réalisé" in table.inner_text()


def test_dates_in_the_form_are_kept(page, live_server, demo_lab):
    log_in_as_manager(page, live_server)
    page.goto(f"{live_server}/reports/?period=custom&start=2026-01-01&end=2026-02-01")
    assert page.get_by_label("Du (dates au choix)").input_value() == date(2026, 1, 1).isoformat()
