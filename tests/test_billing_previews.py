"""Previews before issuing: "Invoice now" and the monthly run show what they would issue,
computed by the same services, and issue nothing until confirmed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from fablab.billing.models import Charge, DocumentCounter, Invoice
from fablab.outbox.models import OutboxMessage

TODAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def laser(make_machine):
    return make_machine(
        name="Trotec Speedy",
        kind="laser_cutter",
        consumable_unit="sheet",
        consumable_rate_cents=250,
    )


def record_use(client, machine, user, day: str, start: str, end: str, sheets: str = "2"):
    """The manager records a closed usage session (lab time) through the usage pages."""
    response = client.post(
        "/usage/sessions/new",
        data={
            "machine_id": machine.id,
            "user_email": user.email,
            "started_at": f"{day}T{start}",
            "ended_at": f"{day}T{end}",
            "consumables": sheets,
            "reason": "Paper log of the day",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def nothing_issued(db) -> None:
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Charge.id))) == 0
    assert db.session.scalar(sa.select(sa.func.max(DocumentCounter.last_number))) in (None, 0)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def fingerprint(page: str) -> str:
    return re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', page).group(1)


def test_a_closed_session_of_this_month_shows_in_to_invoice(
    client, login_as, db, manager, member, laser
):
    login_as(manager)
    record_use(client, laser, member, "2026-11-18", "09:00", "11:00")
    page = client.get("/billing/").get_data(as_text=True)
    assert "Alex Member" in page
    assert "Trotec Speedy, 18/11/2026 09:00, 120 min" in page  # 2 h at the member rate
    assert "2\u00a0plaques" in page or "2\u00a0sheets" in page  # the material with its unit
    nothing_issued(db)  # looking changes nothing: no charge is recorded yet


def test_invoice_now_shows_a_preview_and_issues_only_on_confirmation(
    client, login_as, db, manager, member, laser, outbox
):
    login_as(manager)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    record_use(client, laser, member, "2026-11-18", "09:00", "11:00", sheets="2")
    url = f"/billing/customers/user/{member.id}/invoice"

    preview = client.get(url).get_data(as_text=True)
    assert "Preview of the invoice" in preview and "Alex Member" in preview
    # 2 h at 3 €/h = 6 €, 2 sheets at 2.50 € = 5 €; VAT 20 %.
    assert "€11.00" in preview and "€2.20" in preview and "€13.20" in preview
    assert "2\u00a0sheets" in preview
    assert "F-2026-000001" in preview  # the number it would take
    nothing_issued(db)

    client.post(url, data={})  # "Invoice now" without the confirmation
    nothing_issued(db)
    client.post(url, data={"fingerprint": "0" * 32})  # not what was previewed
    nothing_issued(db)

    response = client.post(url, data={"fingerprint": fingerprint(preview)})
    assert response.status_code == 302
    invoice = db.session.scalars(sa.select(Invoice)).one()
    assert (invoice.number, invoice.buyer_name) == ("F-2026-000001", "Alex Member")
    assert (invoice.total_excl_cents, invoice.total_vat_cents, invoice.total_incl_cents) == (
        1100,
        220,
        1320,
    )
    assert [m.to for m in outbox] == [[member.email]]
    assert "Nothing waits to be invoiced." in client.get("/billing/").get_data(as_text=True)


def test_the_monthly_run_preview_is_what_the_run_issues(
    client, login_as, db, manager, member, make_user, make_company, laser
):
    company = make_company(legal_name="Atelier Bois SARL")
    employee = make_user(name="Dana Employee", company=company)
    login_as(manager)
    record_use(client, laser, member, "2026-10-06", "14:00", "15:00", sheets="1")
    record_use(client, laser, employee, "2026-10-07", "09:00", "12:00", sheets="4")
    record_use(
        client, laser, member, "2026-11-03", "10:00", "11:00"
    )  # this month: not in October's run

    page = client.get("/billing/run?month=2026-10").get_data(as_text=True)
    nothing_issued(db)
    rows = re.findall(
        r"<tr><td>([^<]+) <small.*?</small></td>\s*<td>(F-2026-\d+)</td><td>\d+</td>\s*"
        r"<td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>",
        page,
    )
    assert sorted(r[0] for r in rows) == ["Alex Member", "Atelier Bois SARL"]

    response = client.post(
        "/billing/run", data={"month": "2026-10", "fingerprint": fingerprint(page)}
    )
    assert response.status_code == 302
    issued = db.session.scalars(sa.select(Invoice).order_by(Invoice.sequence)).all()
    money = client.application.jinja_env.filters["money"]
    with client.application.test_request_context(headers={"Accept-Language": "fr"}):
        shown = sorted(
            (
                i.buyer_name,
                i.number,
                money(i.total_excl_cents),
                money(i.total_vat_cents),
                money(i.total_incl_cents),
            )
            for i in issued
        )
    assert shown == sorted(rows)  # same customers, numbers and amounts as previewed
    assert [i.number for i in issued] == ["F-2026-000001", "F-2026-000002"]  # gapless
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Charge.id)).where(Charge.invoice_line_id.is_(None))
        )
        == 0
    )
    # November's session is still to invoice.
    assert "03/11/2026 10:00" in client.get("/billing/").get_data(as_text=True)


def test_the_run_is_refused_when_it_changed_since_the_preview(
    client, login_as, db, manager, member, laser
):
    login_as(manager)
    record_use(client, laser, member, "2026-10-06", "14:00", "15:00")
    page = client.get("/billing/run?month=2026-10").get_data(as_text=True)
    record_use(client, laser, member, "2026-10-08", "14:00", "15:00")  # a late entry
    response = client.post(
        "/billing/run",
        data={"month": "2026-10", "fingerprint": fingerprint(page)},
        follow_redirects=True,
    )
    assert "changed since the preview" in response.get_data(
        as_text=True
    ) or "a changé" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == 0


def test_the_cli_dry_run_shows_the_run_and_issues_nothing(
    app, client, login_as, db, manager, member, laser
):
    login_as(manager)
    record_use(client, laser, member, "2026-10-06", "14:00", "15:00", sheets="1")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["invoices", "run", "--month", "2026-10", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "nothing issued" in dry.output
        and "F-2026-000001  Alex Member  5.50  1.10  6.60" in dry.output
    )
    nothing_issued(db)
    real = runner.invoke(args=["invoices", "run", "--month", "2026-10"])
    assert "1 invoices issued" in real.output and "F-2026-000001  Alex Member  6.60" in real.output
