"""Lists longer than a page: every row once, newest first, a total, the whole list as CSV.

The history comes from the app's own ``seed-synthetic`` (a year of three machines).
"""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.bookings.models import ACTIVE_STATUSES, Reservation
from fablab.timeutil import utcnow
from fablab.usage.models import UsageSession

BOOKING_ROW = re.compile(r'<tr id="reservation-(\d+)"')
SESSION_ROW = re.compile(r'href="/usage/sessions/(\d+)"')


def seed(app):
    result = app.test_cli_runner().invoke(
        args=["seed-synthetic", "--years", "1", "--machines", "3", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url: str, row: re.Pattern, rel: str = "next") -> tuple[list[list[int]], str]:
    pages, first = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        first = first or html
        pages.append([int(n) for n in row.findall(html)])
        url = link(html, rel)
    return pages, first


def total_in(html: str, element_id: str) -> int:
    """The count a list shows above its rows (in the page's language)."""
    found = re.search(rf'id="{element_id}">\s*(\d+)', html)
    assert found, f"no total #{element_id}"
    return int(found.group(1))


def busiest(db, model) -> User:
    user_id = db.session.scalar(
        sa.select(model.user_id)
        .join(User, User.id == model.user_id)
        .where(User.active, User.company_id.is_(None))
        .group_by(model.user_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    )
    return db.session.get(User, user_id)


def test_my_bookings_pages_the_past_and_shows_every_upcoming_one(app, db, login_as):
    seed(app)
    person = busiest(db, Reservation)
    now = utcnow()
    ahead = sa.and_(Reservation.status.in_(ACTIVE_STATUSES), Reservation.end_at > now)
    mine = sa.select(Reservation.id).where(Reservation.user_id == person.id)
    past = list(
        db.session.scalars(
            mine.where(sa.not_(ahead)).order_by(Reservation.start_at.desc(), Reservation.id.desc())
        )
    )
    upcoming = set(db.session.scalars(mine.where(ahead)))
    assert len(past) > 50  # more than one page

    pages, first = walk(login_as(person), "/bookings/mine", BOOKING_ROW)
    assert len(pages) > 1
    past_shown = [n for page in pages for n in page if n not in upcoming]
    assert past_shown == past  # each once, newest first, none dropped
    assert all(upcoming <= set(page) for page in pages)
    assert total_in(first, "past-total") == len(past)

    last_page = "/bookings/mine?cursor=" + link(first, "next").split("cursor=")[1]
    back, _html = walk(login_as(person), last_page, BOOKING_ROW, rel="prev")
    assert back[-1] and set(back[-1]) - upcoming == set(past[:50])


def test_the_usage_list_pages_filters_counts_and_exports_everything(app, db, login_as):
    seed(app)
    manager = db.session.scalar(sa.select(User).where(User.role == "manager"))
    client = login_as(manager)
    newest = list(
        db.session.scalars(
            sa.select(UsageSession.id).order_by(
                UsageSession.started_at.desc(), UsageSession.id.desc()
            )
        )
    )
    assert len(newest) > 1000

    pages, first = walk(client, "/usage/sessions", SESSION_ROW)
    assert [n for page in pages for n in page] == newest
    assert total_in(first, "sessions-total") == len(newest)

    machine_id = db.session.scalar(sa.select(sa.func.min(UsageSession.machine_id)))
    one_machine = list(
        db.session.scalars(
            sa.select(UsageSession.id)
            .where(UsageSession.machine_id == machine_id)
            .order_by(UsageSession.started_at.desc(), UsageSession.id.desc())
        )
    )
    pages, first = walk(client, f"/usage/sessions?machine_id={machine_id}", SESSION_ROW)
    assert [n for page in pages for n in page] == one_machine
    assert f"machine_id={machine_id}" in link(first, "next")  # the filter stays on every page

    export = client.get(f"/usage/sessions/export.csv?machine_id={machine_id}")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [int(row["id"]) for row in rows] == one_machine


def test_my_usage_pages_every_session_of_mine(app, db, login_as):
    seed(app)
    person = busiest(db, UsageSession)
    mine = list(
        db.session.scalars(
            sa.select(UsageSession.id)
            .where(UsageSession.user_id == person.id)
            .order_by(UsageSession.started_at.desc(), UsageSession.id.desc())
        )
    )
    assert len(mine) > 50
    pages, first = walk(login_as(person), "/usage/mine", SESSION_ROW)
    assert len(pages) > 1
    assert [n for page in pages for n in page] == mine
    assert total_in(first, "sessions-total") == len(mine)


def test_members_cannot_list_or_export_everyone_s_usage(app, db, login_as, member):
    client = login_as(member)
    assert client.get("/usage/sessions").status_code in (302, 403)
    assert client.get("/usage/sessions/export.csv").status_code in (302, 403)


def test_invoices_and_payments_lists_page_through_everything(app, db, login_as, monkeypatch):
    from fablab.billing import manage_views
    from fablab.billing.models import Invoice, Payment

    seed(app)
    monkeypatch.setattr(manage_views, "LIST_PAGE", 10)  # the synthetic month has ~50 documents
    manager = db.session.scalar(sa.select(User).where(User.role == "manager"))
    client = login_as(manager)
    documents = list(db.session.scalars(sa.select(Invoice.id).order_by(Invoice.chain_seq.desc())))
    assert len(documents) > 20

    invoice_row = re.compile(r'href="/(?:billing/)?invoices/(\d+)"')
    pages, first = walk(client, "/billing/invoices", invoice_row)
    assert len(pages) > 2
    assert [n for page in pages for n in dict.fromkeys(page)] == documents
    assert total_in(first, "documents-total") == len(documents)

    credit_notes = list(
        db.session.scalars(
            sa.select(Invoice.id)
            .where(Invoice.doc_type == "credit_note")
            .order_by(Invoice.chain_seq.desc())
        )
    )
    pages, first = walk(client, "/billing/invoices?type=credit_note", invoice_row)
    shown = [n for page in pages for n in dict.fromkeys(page)]
    assert [n for n in shown if n in credit_notes] == credit_notes
    assert total_in(first, "documents-total") == len(credit_notes)

    paid = list(db.session.scalars(sa.select(Payment.invoice_id).order_by(Payment.id.desc())))
    pages, first = walk(client, "/billing/payments", invoice_row)
    assert len(pages) > 2
    assert [n for page in pages for n in page] == paid
    assert total_in(first, "payments-total") == len(paid)


def test_the_usage_api_pages_with_link_headers(app, db):
    from fablab.accounts.tokens import create_api_token

    seed(app)
    manager = db.session.scalar(sa.select(User).where(User.role == "manager"))
    _token, secret = create_api_token(user=manager, name="paging")
    db.session.commit()
    newest = list(
        db.session.scalars(
            sa.select(UsageSession.id).order_by(
                UsageSession.started_at.desc(), UsageSession.id.desc()
            )
        )
    )
    client = app.test_client()
    url, pages = "/api/v1/usage/sessions?limit=500", []
    while url:
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200
        pages.append([session["id"] for session in response.get_json()])
        found = re.match(r"<([^>]+)>; rel=\"next\"", response.headers.get("Link", ""))
        url = found.group(1).replace("http://localhost", "") if found else None
    assert len(pages) > 1
    assert [n for page in pages for n in page] == newest
    bad = client.get(
        "/api/v1/usage/sessions?cursor=forged", headers={"Authorization": f"Bearer {secret}"}
    )
    assert bad.status_code == 422


def test_the_events_list_pages_latest_first(app, db, login_as):
    from fablab.events.models import Event

    seed(app)
    manager = db.session.scalar(sa.select(User).where(User.role == "manager"))
    events = list(
        db.session.scalars(sa.select(Event.id).order_by(Event.start_at.desc(), Event.id.desc()))
    )
    assert len(events) > 50
    row = re.compile(r'href="/events/(\d+)/registrations"')
    pages, first = walk(login_as(manager), "/events/manage", row)
    assert len(pages) > 1
    assert [n for page in pages for n in page] == events
    assert total_in(first, "events-total") == len(events)


def test_the_closures_list_pages_latest_first(app, db, login_as, manager, lab_settings):
    from datetime import UTC, datetime, timedelta

    from fablab.machines.models import Closure
    from fablab.machines.services import add_closure

    first = datetime(2020, 1, 6, 8, tzinfo=UTC)
    for n in range(60):
        start = first + timedelta(weeks=n)
        add_closure(title=f"Closed {n}", start_at=start, end_at=start + timedelta(hours=4))
    db.session.commit()
    closures = list(
        db.session.scalars(
            sa.select(Closure.id).order_by(Closure.start_at.desc(), Closure.id.desc())
        )
    )
    row = re.compile(r'action="/(?:machines/)?closures/(\d+)/delete"')
    pages, first_html = walk(login_as(manager), "/closures", row)
    assert len(pages) == 2
    assert [n for page in pages for n in page] == closures
    assert total_in(first_html, "closures-total") == 60
