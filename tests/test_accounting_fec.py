"""The FEC and the journals: the format of art. A47 A-1, balanced entries, VAT on receipts."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
import time_machine

from fablab.billing.accounting.entries import entries_between
from fablab.billing.accounting.fec import COLUMNS
from fablab.billing.accounting.vat_report import vat_rows
from fablab.billing.models import Invoice
from fablab.billing.settings import get_billing_settings
from tests.accounting_helpers import a_charge, invoice_now

OCT = datetime(2026, 10, 14, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def a_year_of_business(db, client, login_as, manager, member, make_company, make_user):
    """Charges billed with 'Invoice now', paid at the desk, one partly credited."""
    company = make_company(legal_name="Atelier Bois SARL")
    employee = make_user(company=company)
    with time_machine.travel(OCT, tick=False):
        login_as(manager)  # the session cookie is signed at the (travelled) time
        a_charge(member, key="book", price=1999, vat=550, kind="consumable")
        a_charge(member, key="laser", price=3000, vat=2000, kind="machine_time")
        a_charge(employee, company, key="cnc", price=12000, vat=2000, kind="machine_time")
        a_charge(employee, company, key="pla", price=850, vat=2000, kind="consumable")
        db.session.commit()
        assert invoice_now(client, "user", member.id).status_code == 302
        assert invoice_now(client, "company", company.id).status_code == 302
    invoices = {i.buyer_name: i for i in db.session.query(Invoice).all()}
    private, business = invoices["Alex Member"], invoices["Atelier Bois SARL"]
    with time_machine.travel(datetime(2026, 10, 20, 9, tzinfo=UTC), tick=False):
        login_as(manager)
        client.post(
            f"/billing/invoices/{business.id}/payments",
            data={"amount": "100.00", "method": "transfer", "received_on": "2026-10-20"},
        )
        client.post(
            f"/billing/invoices/{private.id}/payments",
            data={"amount": f"{private.total_incl_cents / 100:.2f}", "method": "cash",
                  "received_on": "2026-10-20"},
        )  # fmt: skip
        book = next(line for line in private.lines if line.vat_rate_bp == 550)
        client.post(
            f"/billing/invoices/{private.id}/credit",
            data={"reason": "Damaged book", "amount": "19.99", "line": book.position},
        )
    db.session.expire_all()
    return private, business


def parse_fec(text: str) -> list[dict]:
    lines = text.split("\r\n")
    assert lines[-1] == ""
    header = lines[0].split("\t")
    assert tuple(header) == COLUMNS
    rows = []
    for line in lines[1:-1]:
        values = line.split("\t")
        assert len(values) == 18, line
        rows.append(dict(zip(header, values, strict=True)))
    return rows


def cents(text: str) -> int:
    assert re.fullmatch(r"\d+,\d{2}", text), text
    whole, fraction = text.split(",")
    return int(whole) * 100 + int(fraction)


def check_fec_rules(rows: list[dict]) -> None:
    """The rules of art. A47 A-1 that a test can check."""
    by_entry: dict[str, list[dict]] = defaultdict(list)
    numbers = []
    for row in rows:
        for column in ("EcritureDate", "PieceDate", "ValidDate"):
            assert re.fullmatch(r"20\d{6}", row[column]), row
        assert row["ValidDate"] >= row["EcritureDate"]
        assert re.fullmatch(r"[1-8]\d{2}[0-9A-Z]*", row["CompteNum"]) and row["CompteLib"]
        assert row["JournalCode"] and row["JournalLib"] and row["PieceRef"] and row["EcritureLib"]
        debit, credit = cents(row["Debit"]), cents(row["Credit"])
        assert (debit == 0) != (credit == 0)
        by_entry[row["EcritureNum"]].append(row)
        if not numbers or numbers[-1] != row["EcritureNum"]:
            numbers.append(row["EcritureNum"])
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]  # sequential, contiguous
    dates = [by_entry[n][0]["EcritureDate"] for n in numbers]
    assert dates == sorted(dates)  # chronological
    for number, postings in by_entry.items():
        debit = sum(cents(p["Debit"]) for p in postings)
        assert debit == sum(cents(p["Credit"]) for p in postings), number
        assert len({p["EcritureDate"] for p in postings}) == 1


def test_the_fec_of_a_year_follows_the_rules_and_balances(
    app, db, client, login_as, manager, member, make_company, make_user
):
    private, business = a_year_of_business(
        db, client, login_as, manager, member, make_company, make_user
    )
    result = app.test_cli_runner().invoke(args=["accounting", "fec", "--year", "2026"])
    assert result.exit_code == 0, result.output
    rows = parse_fec(result.output.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))
    check_fec_rules(rows)
    journals = {row["JournalCode"] for row in rows}
    assert journals == {"VE", "BQ", "CA"}
    customer = [r for r in rows if r["CompteNum"] == "411000"]
    assert {r["CompAuxLib"] for r in customer} == {"Alex Member", "Atelier Bois SARL"}
    assert all(r["CompAuxNum"] for r in customer)
    # The credit note credits the book at 5.5 %: 1.10 € of VAT debited on 445713.
    credit = next(r for r in rows if r["PieceRef"].startswith("A-") and r["CompteNum"] == "445713")
    assert cents(credit["Debit"]) == 110


def test_fec_download_is_named_after_the_siren_and_year_end(
    db, client, login_as, manager, member, make_company, make_user
):
    a_year_of_business(db, client, login_as, manager, member, make_company, make_user)
    login_as(manager)
    response = client.get("/billing/accounting/fec?year=2026")
    assert response.status_code == 200
    assert 'filename="123456789FEC20261231.txt"' in response.headers["Content-Disposition"]
    check_fec_rules(parse_fec(response.get_data(as_text=True)))
    page = client.get("/billing/accounting?start=2026-10-01&end=2026-10-31")
    assert "Every entry balances." in page.get_data(as_text=True)
    login_as(member)
    assert client.get("/billing/accounting/fec?year=2026").status_code in (302, 403, 404)


def test_the_fec_of_the_demo_lab_balances(app, db):
    from fablab.seed import seed_demo

    seed_demo()
    db.session.commit()
    year = date.today().year
    result = app.test_cli_runner().invoke(args=["accounting", "fec", "--year", str(year)])
    rows = parse_fec(result.output.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))
    assert rows, "the demo lab has invoices and payments"
    check_fec_rules(rows)


def test_vat_on_services_is_due_when_paid_unless_on_debits(db, member):
    from fablab.billing.invoices import issue_invoice
    from fablab.billing.payments import record_payment

    with time_machine.travel(OCT, tick=False):
        invoice = issue_invoice(charges=[a_charge(member, key=1, price=10000)], user=member)
    october = (date(2026, 10, 1), date(2026, 10, 31))
    assert vat_rows(*october) == []  # a service not paid yet: no VAT due
    record_payment(
        invoice=invoice, amount_cents=6000, method="cash", received_on=date(2026, 10, 20)
    )
    [row] = vat_rows(*october)
    assert (row.base_cents, row.vat_cents) == (5000, 1000)
    record_payment(invoice=invoice, amount_cents=6000, method="cash", received_on=date(2026, 11, 5))
    [row] = vat_rows(date(2026, 11, 1), date(2026, 11, 30))
    assert (row.base_cents, row.vat_cents) == (5000, 1000)
    pending = defaultdict(int)
    for entry in entries_between(date(2026, 1, 1), date(2026, 12, 31)):
        assert entry.debit == entry.credit
        for p in entry.postings:
            pending[p.account] += p.credit - p.debit
    assert pending["445740"] == 0 and pending["445712"] == 2000  # all moved once fully paid

    get_billing_settings().vat_on_debits = True
    with time_machine.travel(OCT, tick=False):
        issue_invoice(charges=[a_charge(member, key=2, price=10000)], user=member)
    [row] = vat_rows(*october)
    assert (row.base_cents, row.vat_cents) == (15000, 3000)  # on the invoice, plus the 60 paid


def test_closing_from_the_page_gives_an_archive_with_a_manifest(
    db, client, login_as, manager, member, make_company, make_user, outbox
):
    a_year_of_business(db, client, login_as, manager, member, make_company, make_user)
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        response = login_as(manager).post(
            "/billing/accounting/close",
            data={"kind": "month", "year": "2026", "month": "10",
                  "receipt_email": "cabinet@expert.example"},
        )  # fmt: skip
        assert response.status_code == 302
        receipt = client.get(response.headers["Location"]).get_data(as_text=True)
        from fablab.billing.models import AccountingClosing

        closing = db.session.query(AccountingClosing).one()
        assert closing.archive_sha256 in receipt
        assert closing.archive_sha256 in outbox[-1].body
        archive = client.get(f"/billing/accounting/closings/{closing.id}.zip").data
        again = login_as(manager).post(
            "/billing/accounting/close", data={"kind": "month", "year": "2026", "month": "10"}
        )
        assert again.status_code == 302  # refused with a message, nothing changed
        assert db.session.query(AccountingClosing).count() == 1
    import hashlib

    assert hashlib.sha256(archive).hexdigest() == closing.archive_sha256
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(zipped.read(name)).hexdigest() == digest
        names = zipped.namelist()
    assert "FEC.txt" in names and any(n.startswith("pdf/F-2026-") for n in names)
    assert manifest["chain_head_hash"] == closing.chain_head_hash
    totals = json.loads(closing.totals_json)
    assert totals["period"]["invoices"] == 2 and totals["period"]["credit_notes"] == 1


def test_the_api_gives_managers_the_fec_the_vat_and_the_closings(
    db, client, login_as, manager, member, make_company, make_user
):
    a_year_of_business(db, client, login_as, manager, member, make_company, make_user)
    login_as(manager)
    fec = client.get("/api/v1/accounting/fec?year=2026")
    assert fec.status_code == 200
    check_fec_rules(parse_fec(fec.get_data(as_text=True)))
    vat = client.get("/api/v1/accounting/vat?start=2026-10-01&end=2026-10-31").get_json()
    assert {row["vat_rate_bp"] for row in vat} == {2000, 550}
    assert client.get("/api/v1/accounting/closings").get_json() == []
    assert client.get("/api/v1/accounting/fec?year=1900").status_code == 422
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/accounting/fec", "/api/v1/accounting/vat"} <= set(paths)
    login_as(member)
    assert client.get("/api/v1/accounting/fec?year=2026").status_code == 403
