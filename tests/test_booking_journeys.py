# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""The booking journeys as a member lives them: the price before booking, slots they may
not book (and why), the waitlist from a taken slot or a lost race, moving a booking in the
calendar, and the "Book" page on a closed day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.bookings.waitlist_models import WaitlistEntry
from fablab.events.services import create_event, publish_event
from fablab.machines.models import OpeningHours
from tests.bookings_fixtures import book, frozen, laser, open_lab, paris, printer  # noqa: F401


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def cell(html: str, day: str, start: str) -> str:
    """The whole <td> of a week calendar cell."""
    found = re.search(
        rf'<td class="slot [^"]*"[^>]*data-day="{day}" data-start="{start}".*?</td>', html, re.S
    )
    assert found, f"no cell {day} {start}"
    return found.group(0)


def state(html: str, day: str, start: str) -> str:
    return re.match(r'<td class="slot (\w+)', cell(html, day, start)).group(1)


def week(client, machine, day="2027-03-02") -> str:
    page = client.get(f"/machines/{machine.id}/calendar?week={day}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


# -- prices --------------------------------------------------------------------------------


def test_the_quote_api_gives_the_callers_price_and_refuses_bad_input(
    client, login_as, member, make_machine, open_lab, frozen
):
    printer = make_machine(
        name="Prusa", rate_member_cents=1500, rate_public_cents=2500, billing_increment_minutes=15
    )
    url = f"/api/v1/machines/{printer.id}/quote"
    slot = {"start": "2027-03-02T10:00:00+01:00", "end": "2027-03-02T11:30:00+01:00"}

    public = client.get(url, query_string=slot).json
    assert (public["category"], public["amount_excl_vat_cents"]) == ("public", 3750)
    mine = login_as(member).get(url, query_string=slot).json
    assert (mine["category"], mine["hourly_rate_cents"]) == ("member", 1500)
    assert mine["amount_excl_vat_cents"] == 2250
    assert mine["amount_incl_vat_cents"] == 2250 + mine["vat_cents"]

    for bad in (
        {"start": "2027-03-02T10:00:00", "end": "2027-03-02T11:00:00"},  # naive
        {"start": slot["end"], "end": slot["start"]},  # end before start
        {"start": "tomorrow", "end": slot["end"]},
        {"start": slot["start"]},
    ):
        answer = client.get(url, query_string=bad)
        assert answer.status_code == 422, bad
        assert answer.json["error"] and answer.json["message"]
    assert client.get("/api/v1/machines/999/quote", query_string=slot).status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/machines/{machine_id}/quote" in spec["paths"]


def test_the_machines_list_shows_the_viewers_own_rate(client, login_as, member, make_machine):
    make_machine(name="Laser", rate_member_cents=1500, rate_public_cents=2500)

    anonymous = client.get("/machines").get_data(as_text=True)
    assert "€25.00 per hour excl. VAT (public rate)" in anonymous
    seen_by_member = login_as(member).get("/machines").get_data(as_text=True)
    assert "€15.00 per hour excl. VAT (your rate)" in seen_by_member
    assert "€25.00" not in seen_by_member


def test_a_refused_booking_shows_the_quote_of_the_typed_slot(
    login_as, member, printer, book, make_user, frozen
):
    book(printer, make_user(), paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    form = {"day": "2027-03-02", "start_time": "10:00", "end_time": "11:00"}
    html = login_as(member).post(f"/machines/{printer.id}/book", data=form).get_data(True)
    assert 'data-testid="quote-amount"' in html and "Expected cost:" in html


# -- slots a person may not book ---------------------------------------------------------


def laser_training(db, manager, laser):
    event = create_event(
        values={
            "kind": "training",
            "title_fr": "Sécurité laser",
            "title_en": "Laser safety",
            "start_at": datetime(2027, 3, 10, 17, 0, tzinfo=UTC),
            "end_at": datetime(2027, 3, 10, 19, 0, tzinfo=UTC),
            "capacity": 6,
            "qualification_id": laser.required_qualification_id,
        },
        by=manager,
    )
    publish_event(event=event)
    db.session.commit()
    return event


def test_an_unqualified_member_sees_the_laser_slots_not_bookable_with_a_link_to_the_training(
    app, db, login_as, member, manager, laser, frozen
):
    with app.test_request_context():
        training = laser_training(db, manager, laser)

    html = week(login_as(member), laser)

    assert state(html, "2027-03-02", "10:00") == "blocked"
    assert 'data-rule="qualification"' in cell(html, "2027-03-02", "10:00")
    assert 'title="You need the qualification “Laser safety” to book this machine."' in cell(
        html, "2027-03-02", "10:00"
    )
    assert '<td class="slot free"' not in html
    hint = re.search(r'<p class="slot-hint".*?</p>', html, re.S).group(0)
    assert f'href="/events/{training.id}"' in hint
    assert "Next training: 10 Mar 2027, 18:00" in hint or "Next training: Mar 10, 2027" in hint


def test_the_refusal_after_confirming_gives_the_training_date_without_seconds_and_a_link(
    app, db, login_as, member, manager, laser, frozen
):
    with app.test_request_context():
        training = laser_training(db, manager, laser)
    form = {"day": "2027-03-02", "start_time": "10:00", "end_time": "11:00"}

    answer = login_as(member).post(f"/machines/{laser.id}/book", data=form)

    assert answer.status_code == 403
    refusal = re.search(
        r'<div class="flash-error" role="alert" id="booking-refusal">.*?</div>',
        answer.get_data(True),
        re.S,
    ).group(0)
    assert "needs the qualification “Laser safety”" in refusal
    assert "Next training:" in refusal and not re.search(r"\d:\d\d:\d\d", refusal)
    assert f'href="/events/{training.id}"' in refusal
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 0


def test_notice_horizon_and_quota_show_as_not_bookable_with_their_reason(
    db, login_as, member, printer, book, open_lab, frozen
):
    open_lab.min_notice_minutes = 24 * 60
    open_lab.max_advance_days = 3
    open_lab.weekly_quota_hours = 2
    db.session.commit()
    book(printer, member, paris(2027, 3, 3, 10, 0), paris(2027, 3, 3, 12, 0))  # the quota, used

    html = week(login_as(member), printer)

    # Now is Monday 1 March 09:00 in Paris.
    assert state(html, "2027-03-01", "10:00") == "blocked"
    assert "Minimum notice" in cell(html, "2027-03-01", "10:00")
    assert state(html, "2027-03-06", "10:00") == "blocked"
    assert "Booking horizon" in cell(html, "2027-03-06", "10:00")
    assert state(html, "2027-03-02", "14:00") == "blocked"
    assert "Weekly quota" in cell(html, "2027-03-02", "14:00")
    assert state(html, "2027-03-03", "10:00") == "mine"


# -- the waitlist ------------------------------------------------------------------------------


def test_a_taken_slot_leads_to_its_waitlist_form(
    login_as, member, make_user, printer, book, frozen
):
    book(printer, make_user(), paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    client = login_as(member)

    taken = cell(week(client, printer), "2027-03-02", "10:00")
    link = re.search(r'data-href="([^"]+)"', taken).group(1).replace("&amp;", "&")
    assert "Join the waitlist" in taken

    form = client.get(link)
    assert form.status_code == 200
    html = form.get_data(True)
    assert 'name="csrf_token"' in html and 'value="10:00"' in html and 'value="10:30"' in html


def test_a_lost_race_offers_the_waitlist_and_joining_works(
    db, login_as, member, make_user, printer, book, frozen
):
    client = login_as(member)
    page = week(client, printer)
    assert state(page, "2027-03-02", "10:00") == "free"
    # Someone else confirms the same slot first.
    book(printer, make_user(), paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))

    form = {"day": "2027-03-02", "start_time": "10:00", "end_time": "11:00"}
    lost = client.post(f"/machines/{printer.id}/book", data=form)

    assert lost.status_code == 409
    html = lost.get_data(True)
    assert "This slot was just taken." in html
    offer = re.search(
        r'<form method="post" action="/waitlist/join"[^>]*id="waitlist-offer">.*?</form>',
        html,
        re.S,
    ).group(0)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', offer))
    assert fields["start_time"] == "10:00" and fields["end_time"] == "11:00"
    assert "Join the waitlist" in offer and fields["csrf_token"]

    joined = client.post("/waitlist/join", data=fields)
    assert joined.status_code == 302
    entry = db.session.scalars(sa.select(WaitlistEntry)).one()
    assert entry.user_id == member.id
    assert entry.start_at == paris(2027, 3, 2, 10, 0) and entry.end_at == paris(2027, 3, 2, 11, 0)


# -- moving -----------------------------------------------------------------------------------


def test_moving_uses_the_week_calendar_with_the_booking_free_for_its_own_move(
    db, login_as, member, printer, book, frozen
):
    reservation = book(printer, member, paris(2027, 3, 4, 10, 0), paris(2027, 3, 4, 11, 0))
    client = login_as(member)

    page = client.get(f"/bookings/{reservation.id}/move")
    html = page.get_data(True)
    assert page.status_code == 200
    assert 'table class="calendar week"' in html and 'id="booking-form"' in html
    assert state(html, "2027-03-04", "10:00") == "moving"
    assert state(html, "2027-03-04", "10:30") == "moving"

    # Half an hour later: it overlaps its own old time, which is free for the move.
    moved = client.post(
        f"/bookings/{reservation.id}/move",
        data={"day": "2027-03-04", "start_time": "10:30", "end_time": "11:30"},
    )
    assert moved.status_code == 302
    db.session.refresh(reservation)
    assert reservation.start_at == paris(2027, 3, 4, 10, 30)
    assert state(week(client, printer), "2027-03-04", "11:00") == "mine"


# -- a closed day ----------------------------------------------------------------------------


@pytest.fixture
def weekday_lab(db, lab_settings):
    """Open Tuesday to Saturday, 10:00–18:00, like the demo lab."""
    lab_settings.timezone = "Europe/Paris"
    for weekday in range(1, 6):
        db.session.add(OpeningHours(weekday=weekday, opens_at=time(10), closes_at=time(18)))
    db.session.commit()
    return lab_settings


def test_book_on_a_closed_day_says_so_and_goes_to_the_next_open_day(
    login_as, member, make_machine, weekday_lab, frozen
):
    make_machine(name="Prusa")
    client = login_as(member)

    # Monday 1 March 2027: closed. Opening "Book" goes to Tuesday.
    opened = client.get("/book")
    assert opened.status_code == 302
    assert opened.location.endswith("/book?day=2027-03-02")
    shown = client.get(opened.location).get_data(True)
    assert "The lab is closed today" in shown and 'class="slot free"' in shown

    sunday = client.get("/book?day=2027-03-07").get_data(True)
    assert "The lab is closed on Sunday 7 March." in sunday
    assert 'href="/book?day=2027-03-09"' in sunday
    assert 'table class="calendar day"' not in sunday


def test_book_on_an_open_day_shows_the_grid(login_as, member, make_machine, weekday_lab, frozen):
    make_machine(name="Prusa")
    page = login_as(member).get("/book?day=2027-03-02")
    assert page.status_code == 200
    assert 'table class="calendar day"' in page.get_data(True)


def test_a_paid_training_shows_the_members_price_on_its_register_button(
    app, db, client, login_as, member, manager, laser, frozen
):
    with app.test_request_context():
        training = laser_training(db, manager, laser)
    training.price_member_cents, training.price_public_cents = 2000, 4000
    db.session.commit()

    html = login_as(member).get(f"/events/{training.id}").get_data(True)

    button = re.search(r'<button type="submit" id="register-button">(.*?)</button>', html).group(1)
    assert button == "Register – €24.00 incl. VAT"  # 20 € excl. VAT + 20 % VAT
