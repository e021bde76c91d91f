# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""The booking pages as members and managers use them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from fablab.bookings.models import Reservation
from tests.bookings_fixtures import book, frozen, laser, open_lab, paris, printer  # noqa: F401


def booking_form(day="2027-03-02", start="10:00", end="11:00", **extra):
    return {"day": day, "start_time": start, "end_time": end, **extra}


def table(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def slot_state(html: str, day: str, start: str) -> str | None:
    """The state (free, busy, mine, blocked…) of a week calendar cell, as its class says."""
    found = re.search(rf'<td class="slot (\w+)"[^>]*data-day="{day}" data-start="{start}"', html)
    return found.group(1) if found else None


def reservations(db):
    return list(db.session.scalars(sa.select(Reservation).order_by(Reservation.start_at)))


def test_week_calendar_shows_free_busy_and_mine_without_names(
    login_as, member, make_user, printer, book, frozen
):
    book(
        printer,
        make_user(name="Dominique Secret"),
        paris(2027, 3, 2, 10, 0),
        paris(2027, 3, 2, 11, 0),
    )
    book(printer, member, paris(2027, 3, 3, 14, 0), paris(2027, 3, 3, 15, 0))

    page = login_as(member).get(f"/machines/{printer.id}/calendar?week=2027-03-02")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="slot busy"' in html
    assert 'class="slot mine"' in html
    assert slot_state(html, "2027-03-02", "09:30") == "free"
    assert slot_state(html, "2027-03-02", "10:00") == "busy"
    assert "Dominique Secret" not in html
    assert 'name="csrf_token"' in html or "hidden_tag" not in html


def test_manager_sees_who_booked(login_as, manager, make_user, printer, book, frozen):
    book(
        printer,
        make_user(name="Dominique Secret"),
        paris(2027, 3, 2, 10, 0),
        paris(2027, 3, 2, 11, 0),
    )

    html = login_as(manager).get(f"/machines/{printer.id}/calendar?week=2027-03-02").get_data(True)

    assert "Dominique Secret" in html


def test_calendar_on_the_spring_forward_week_uses_local_times(
    login_as, member, printer, book, frozen
):
    from datetime import UTC, datetime

    book(
        printer,
        member,
        paris(2027, 3, 28, 10, 0),
        paris(2027, 3, 28, 11, 0),
        now=datetime(2027, 3, 20, tzinfo=UTC),
    )
    frozen.move_to(datetime(2027, 3, 20, 8, 0, tzinfo=UTC))

    html = login_as(member).get(f"/machines/{printer.id}/calendar?week=2027-03-28").get_data(True)

    # Sunday 28 March: 09:30 is free, 10:00 and 10:30 are mine, 11:00 is free again.
    assert slot_state(html, "2027-03-28", "09:30") == "free"
    assert slot_state(html, "2027-03-28", "10:00") == "mine"
    assert slot_state(html, "2027-03-28", "11:00") == "free"


def test_booking_through_the_form(db, login_as, member, printer, frozen):
    client = login_as(member)

    response = client.post(f"/machines/{printer.id}/book", data=booking_form())

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bookings/mine")
    [reservation] = reservations(db)
    assert reservation.user_id == member.id
    assert reservation.start_at.isoformat() == "2027-03-02T09:00:00+00:00"
    mine = client.get("/bookings/mine").get_data(as_text=True)
    assert printer.name in mine and "10:00" in mine


def test_a_lost_race_says_the_slot_was_just_taken(
    db, login_as, member, make_user, printer, book, frozen
):
    book(printer, make_user(), paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))

    response = login_as(member).post(
        f"/machines/{printer.id}/book", data=booking_form(start="10:30", end="11:30")
    )

    assert response.status_code == 409
    assert "This slot was just taken." in response.get_data(as_text=True)
    assert len(reservations(db)) == 1


def test_a_rule_refusal_is_shown_beside_the_field(db, login_as, member, printer, frozen):
    response = login_as(member).post(
        f"/machines/{printer.id}/book", data=booking_form(start="19:00", end="21:00")
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r"field-error[^>]*>Opening hours", html)
    assert reservations(db) == []


def test_a_nonexistent_local_time_is_refused(login_as, member, printer, frozen):
    # 02:30 does not exist in Paris on 28 March 2027.
    response = login_as(member).post(
        f"/machines/{printer.id}/book",
        data=booking_form(day="2027-03-28", start="02:30", end="03:30"),
    )
    assert response.status_code == 422
    assert "does not exist" in response.get_data(as_text=True)


def test_without_the_qualification_the_page_says_which(login_as, member, laser, frozen):
    response = login_as(member).post(f"/machines/{laser.id}/book", data=booking_form())

    assert response.status_code == 403
    assert "Laser safety" in response.get_data(as_text=True)


def test_the_refusal_gives_the_next_training_date(db, login_as, member, laser, frozen):
    from fablab.events.models import Event

    db.session.add(
        Event(
            kind="training",
            title_fr="Formation laser",
            start_at=paris(2027, 3, 10, 18, 0),
            end_at=paris(2027, 3, 10, 20, 0),
            capacity=8,
            qualification_id=laser.required_qualification_id,
            status="published",
        )
    )
    db.session.commit()

    response = login_as(member).post(f"/machines/{laser.id}/book", data=booking_form())

    # en-GB conventions, no seconds: "10 Mar 2027, 18:00" (not "Mar 10, 2027, 6:00:00 PM").
    assert "Next training: 10 Mar 2027, 18:00" in response.get_data(as_text=True)


def test_cancel_and_move_from_my_bookings(db, login_as, member, printer, book, frozen):
    first = book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))
    second = book(printer, member, paris(2027, 3, 6, 10, 0), paris(2027, 3, 6, 11, 0))
    client = login_as(member)

    assert client.post(f"/bookings/{first.id}/cancel").status_code == 302
    moved = client.post(
        f"/bookings/{second.id}/move", data=booking_form("2027-03-06", "14:00", "15:30")
    )
    assert moved.status_code == 302

    db.session.expire_all()
    assert first.status == "cancelled"
    assert second.start_at.isoformat() == "2027-03-06T13:00:00+00:00"
    assert second.sequence == 1
    html = client.get("/bookings/mine").get_data(as_text=True)
    assert "14:00" in html and "cancelled" in html


def test_cancel_after_the_deadline_is_refused_in_the_ui(
    db, login_as, member, printer, book, frozen
):
    soon = book(printer, member, paris(2027, 3, 1, 14, 0), paris(2027, 3, 1, 15, 0))

    response = login_as(member).post(f"/bookings/{soon.id}/cancel", follow_redirects=True)

    assert "Cancellation deadline" in response.get_data(as_text=True)
    db.session.expire_all()
    assert soon.status == "confirmed"


def test_members_cannot_touch_others_bookings(login_as, member, make_user, printer, book, frozen):
    theirs = book(printer, make_user(), paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))
    client = login_as(member)

    assert client.post(f"/bookings/{theirs.id}/cancel").status_code == 403
    assert client.get(f"/bookings/{theirs.id}/move").status_code == 403
    assert client.get("/bookings/manage").status_code == 403
    assert client.get("/bookings/manage/new").status_code == 403


def test_manager_filters_all_bookings(login_as, manager, member, make_user, printer, book, frozen):
    other = make_user(name="Other Person")
    book(printer, member, paris(2027, 3, 5, 10, 0), paris(2027, 3, 5, 11, 0))
    book(printer, other, paris(2027, 3, 6, 10, 0), paris(2027, 3, 6, 11, 0))
    client = login_as(manager)

    def listed(url):
        return table(client.get(url).get_data(as_text=True), "all-bookings")

    everything = listed("/bookings/manage")
    assert "Alex Member" in everything and "Other Person" in everything
    filtered = listed(f"/bookings/manage?user_id={other.id}")
    assert "Other Person" in filtered and "Alex Member" not in filtered
    by_date = listed("/bookings/manage?start=2027-03-05&end=2027-03-05")
    assert "Alex Member" in by_date and "Other Person" not in by_date


def test_manager_books_for_someone_overriding_rules_knowingly(
    db, login_as, manager, member, printer, frozen
):
    client = login_as(manager)
    form = {
        "machine_id": printer.id,
        "user_id": member.id,
        **booking_form(start="19:00", end="22:00"),
    }

    refused = client.post("/bookings/manage/new", data=form)
    assert refused.status_code == 422
    accepted = client.post("/bookings/manage/new", data={**form, "override_rules": "y"})
    assert accepted.status_code == 302

    [reservation] = reservations(db)
    assert reservation.user_id == member.id and reservation.created_by_id == manager.id


def test_manager_cancels_with_a_reason(db, login_as, manager, member, printer, book, frozen):
    soon = book(printer, member, paris(2027, 3, 1, 14, 0), paris(2027, 3, 1, 15, 0))

    login_as(manager).post(
        f"/bookings/{soon.id}/cancel",
        data={"reason": "laser tube broken", "override_deadline": "y"},
    )

    db.session.expire_all()
    assert soon.status == "cancelled" and soon.cancel_reason == "laser tube broken"


def test_employee_books_on_the_company_account(
    db, login_as, make_user, make_company, printer, frozen
):
    employee = make_user(company=make_company())

    login_as(employee).post(
        f"/machines/{printer.id}/book", data=booking_form(on_company_account="y")
    )

    [reservation] = reservations(db)
    assert reservation.company_id == employee.company_id


def test_day_overview_lists_every_machine(login_as, member, printer, make_machine, frozen):
    make_machine(name="Epilog")

    html = login_as(member).get("/book?day=2027-03-02").get_data(as_text=True)

    assert "Prusa MK4" in html and "Epilog" in html
    assert 'class="slot free"' in html


def test_pages_need_a_login(client, printer):
    assert client.get(f"/machines/{printer.id}/calendar").status_code == 302
    assert client.get("/bookings/mine").status_code == 302
