# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""The waitlist: the first in line is offered a freed slot, then the next when it lapses."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from fablab.bookings.jobs import offer_waitlist_job
from fablab.bookings.models import Reservation
from fablab.bookings.services import cancel_reservation, create_reservation
from fablab.bookings.waitlist import WaitlistError, claim_offer, join_waitlist
from fablab.bookings.waitlist_models import WaitlistEntry
from fablab.transaction import commit
from tests.bookings_fixtures import NOW, book, open_lab, paris, printer  # noqa: F401

START = paris(2027, 3, 3, 14, 0)
END = paris(2027, 3, 3, 16, 0)


@pytest.fixture(autouse=True)
def _english(app, client):
    """Messages in English, also outside a request (services called directly)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with force_locale("en"):
        yield


@pytest.fixture
def taken(printer, make_user, book):
    """The slot, booked by someone else."""
    return book(printer, make_user(email="first@example.org"), START, END)


def run_offer_job(at):
    with time_machine.travel(at, tick=False):
        return offer_waitlist_job()


def test_one_can_only_wait_for_a_taken_slot(printer, member):
    with pytest.raises(WaitlistError):
        join_waitlist(machine=printer, user=member, start=START, end=END, now=NOW)


def test_joining_twice_is_refused(db, printer, member, taken):
    join_waitlist(machine=printer, user=member, start=START, end=END, now=NOW)
    with pytest.raises(WaitlistError):
        join_waitlist(machine=printer, user=member, start=START, end=END, now=NOW)


def test_a_freed_slot_goes_to_the_first_in_line_then_the_next(
    db, printer, make_user, taken, outbox
):
    alice, bob = make_user(email="alice@example.org"), make_user(email="bob@example.org")
    first = join_waitlist(machine=printer, user=alice, start=START, end=END, now=NOW)
    second = join_waitlist(machine=printer, user=bob, start=START, end=END, now=NOW)
    db.session.commit()
    assert run_offer_job(NOW) == 0  # still taken: nobody is offered anything

    cancel_reservation(reservation=taken, by=taken.user, now=NOW)
    commit()
    outbox.clear()  # the booking and cancellation mails
    assert run_offer_job(NOW + timedelta(minutes=1)) == 1
    assert [m.to for m in outbox] == [["alice@example.org"]]
    assert f"/waitlist/{first.id}/claim" in outbox[0].body
    assert run_offer_job(NOW + timedelta(minutes=2)) == 0  # a rerun offers nothing twice

    # Alice lets the offer lapse: Bob is offered the slot and claims it.
    assert run_offer_job(NOW + timedelta(minutes=32)) == 1
    assert [m.to for m in outbox][-1] == ["bob@example.org"]
    db.session.expire_all()
    assert (first.status, second.status) == ("lapsed", "offered")
    with pytest.raises(WaitlistError):
        claim_offer(entry=first, by=alice, now=NOW + timedelta(minutes=33))

    reservation = claim_offer(entry=second, by=bob, now=NOW + timedelta(minutes=33))
    db.session.commit()
    assert reservation.user_id == bob.id and reservation.status == "confirmed"
    assert (reservation.start_at, reservation.end_at) == (START, END)
    assert second.status == "claimed" and second.reservation_id == reservation.id


def test_an_offer_taken_by_a_direct_booking_keeps_the_place_in_line(
    db, printer, member, make_user, taken
):
    entry = join_waitlist(machine=printer, user=member, start=START, end=END, now=NOW)
    cancel_reservation(reservation=taken, by=taken.user, now=NOW)
    db.session.commit()
    run_offer_job(NOW)
    create_reservation(machine=printer, user=make_user(), start=START, end=END, now=NOW)
    db.session.commit()

    db.session.refresh(entry)
    assert claim_offer(entry=entry, by=member, now=NOW + timedelta(minutes=5)) is None
    db.session.commit()
    assert entry.status == "waiting"


def test_members_join_and_claim_on_the_web(db, client, login_as, printer, member, taken, outbox):
    with time_machine.travel(NOW, tick=False):
        login_as(member)
        form = client.get(
            f"/waitlist/join?machine_id={printer.id}&day=2027-03-03&start_time=14:00&end_time=16:00"
        )
        assert form.status_code == 200
        client.post(
            "/waitlist/join",
            data={
                "machine_id": printer.id,
                "day": "2027-03-03",
                "start_time": "14:00",
                "end_time": "16:00",
            },
        )
    entry = db.session.scalar(sa.select(WaitlistEntry))
    assert entry.user_id == member.id and entry.start_at == START

    cancel_reservation(reservation=taken, by=taken.user, now=NOW)
    db.session.commit()
    run_offer_job(NOW + timedelta(minutes=1))
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        login_as(member)
        assert client.get(f"/waitlist/{entry.id}/claim").status_code == 200
        client.post(f"/waitlist/{entry.id}/claim")
    mine = db.session.scalars(sa.select(Reservation).where(Reservation.user_id == member.id))
    assert [(r.start_at, r.status) for r in mine] == [(START, "confirmed")]
    assert outbox[-1].subject.startswith("Booking confirmed")


def test_nobody_claims_someone_elses_offer(db, client, login_as, printer, member, make_user, taken):
    entry = join_waitlist(machine=printer, user=member, start=START, end=END, now=NOW)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login_as(make_user())
        assert client.post(f"/waitlist/{entry.id}/claim").status_code == 403


def test_my_waitlist_page_shows_my_place_in_line(db, client, login_as, printer, member, taken):
    join_waitlist(machine=printer, user=member, start=START, end=END, now=NOW)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login_as(member)
        page = client.get("/waitlist")
    assert page.status_code == 200
    assert "Waiting (position 1)" in page.get_data(as_text=True)
