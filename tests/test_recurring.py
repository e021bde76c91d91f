# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Weekly recurring bookings: one request, one result per week, all-or-nothing or skipping."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from fablab.bookings.models import Reservation
from fablab.bookings.recurring import SeriesRefused, book_weekly_series
from fablab.errors import Forbidden
from fablab.machines.zone import to_local
from tests.bookings_fixtures import NOW, PARIS, book, open_lab, paris, printer  # noqa: F401

# Four Tuesdays, across the change to summer time (Sunday 28 March 2027).
FIRST_START, FIRST_END = paris(2027, 3, 16, 10, 0), paris(2027, 3, 16, 12, 0)


@pytest.fixture(autouse=True)
def _english(app, client):
    """Messages in English, also outside a request (services called directly)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with force_locale("en"):
        yield


def weekly(printer, user, by, **kwargs):
    kwargs.setdefault("count", 4)
    return book_weekly_series(
        machine=printer, user=user, start=FIRST_START, end=FIRST_END, by=by, now=NOW, **kwargs
    )


def booked_rows(db):
    return db.session.scalars(sa.select(Reservation).order_by(Reservation.start_at)).all()


def test_a_manager_books_four_weeks_at_the_same_local_time(db, printer, member, manager):
    result = weekly(printer, member, manager)
    db.session.commit()

    rows = booked_rows(db)
    assert len(rows) == 4 and len(result.booked) == 4
    assert {r.series_id for r in rows} == {result.series_id}
    assert [to_local(r.start_at).strftime("%d/%m %H:%M") for r in rows] == [
        "16/03 10:00",
        "23/03 10:00",
        "30/03 10:00",
        "06/04 10:00",
    ]
    # Winter time before the change, summer time after: the UTC hour moves, the local one not.
    assert [r.start_at.hour for r in rows] == [9, 9, 8, 8]


def test_until_a_date(db, printer, member, manager):
    result = weekly(printer, member, manager, count=None, until=date(2027, 3, 30))
    assert len(result.booked) == 3


def test_without_skip_conflicts_nothing_is_booked_when_one_week_is_taken(
    db, printer, member, manager, make_user, book
):
    book(printer, make_user(), paris(2027, 3, 23, 11, 0), paris(2027, 3, 23, 13, 0))

    with pytest.raises(SeriesRefused) as refused:
        weekly(printer, member, manager)
    db.session.commit()

    outcome = [(o["status"], o["error"]) for o in refused.value.details["occurrences"]]
    assert outcome == [
        ("not_booked", None),
        ("refused", "conflict"),
        ("not_booked", None),
        ("not_booked", None),
    ]
    assert [r.user_id for r in booked_rows(db) if r.user_id == member.id] == []


def test_skip_conflicts_books_the_free_weeks_and_lists_the_others(
    db, printer, member, manager, make_user, book
):
    book(printer, make_user(), paris(2027, 3, 23, 11, 0), paris(2027, 3, 23, 13, 0))
    printer.max_advance_days = 30  # the last week is beyond the booking horizon
    db.session.commit()

    result = weekly(printer, member, manager, skip_conflicts=True)
    db.session.commit()

    assert [(o.booked, o.error) for o in result.occurrences] == [
        (True, None),
        (False, "conflict"),
        (True, None),
        (False, "rule_violation"),
    ]
    assert "horizon" in result.occurrences[3].message
    mine = [r for r in booked_rows(db) if r.user_id == member.id]
    assert len(mine) == 2


def test_members_cannot_book_series(printer, member):
    with pytest.raises(Forbidden):
        weekly(printer, member, member)


def test_a_company_contact_books_series_for_colleagues_only(db, printer, make_company, make_user):
    company, other = make_company(), make_company()
    contact = make_user(company=company, is_company_contact=True)
    colleague = make_user(company=company)
    stranger = make_user(company=other)

    result = weekly(printer, colleague, contact, company=company, count=2)
    assert all(r.company_id == company.id for r in result.booked)
    with pytest.raises(Forbidden):
        weekly(printer, stranger, contact, company=other, count=2)


@pytest.fixture
def api(client, db):
    from fablab.accounts.tokens import create_api_token

    def _call(user, body):
        _, secret = create_api_token(user=user, name="test")
        db.session.commit()
        with time_machine.travel(NOW, tick=False):
            return client.post(
                "/api/v1/reservations/recurring",
                json=body,
                headers={"Authorization": f"Bearer {secret}"},
            )

    return _call


def body(printer, **extra):
    return {
        "machine_id": printer.id,
        "start": FIRST_START.isoformat(),
        "end": FIRST_END.isoformat(),
        "count": 4,
        **extra,
    }


def test_api_books_a_series(api, printer, member, manager, make_user, book):
    book(printer, make_user(), paris(2027, 3, 30, 10, 0), paris(2027, 3, 30, 11, 0))

    refused = api(manager, body(printer, user_id=member.id))
    assert refused.status_code == 409
    assert refused.json["error"] == "conflict"
    assert [o["status"] for o in refused.json["occurrences"]] == [
        "not_booked",
        "not_booked",
        "refused",
        "not_booked",
    ]

    made = api(manager, body(printer, user_id=member.id, skip_conflicts=True))
    assert made.status_code == 201
    assert made.json["booked"] == 3 and made.json["refused"] == 1
    assert made.json["occurrences"][2]["error"] == "conflict"


def test_api_refuses_bad_input_and_members(api, printer, member, manager):
    naive = api(manager, body(printer, start="2027-03-16T10:00:00", end="2027-03-16T12:00:00"))
    assert naive.status_code == 422
    both = api(manager, body(printer, until="2027-04-01"))
    assert both.status_code == 422
    assert api(member, body(printer)).status_code == 403


def test_the_series_endpoint_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    assert "post" in spec["paths"]["/api/v1/reservations/recurring"]


def test_web_form_books_a_series(client, login_as, db, printer, member, manager):
    with time_machine.travel(NOW, tick=False):
        login_as(manager)
        assert client.get("/bookings/recurring").status_code == 200
        page = client.post(
            "/bookings/recurring",
            data={
                "machine_id": printer.id,
                "user_id": member.id,
                "first_day": "2027-03-16",
                "start_time": "10:00",
                "end_time": "12:00",
                "count": "3",
            },
        )
    assert page.status_code == 200
    assert 'id="series-result"' in page.get_data(as_text=True)
    assert len(booked_rows(db)) == 3


def test_members_do_not_see_the_series_form(client, login_as, member):
    login_as(member)
    assert client.get("/bookings/recurring").status_code == 403
