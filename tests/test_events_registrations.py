"""Registering to events: seats, waitlist, e-mail confirmation, cancellation, attendance."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import vobject
from icalendar import Calendar

from fablab.events.checkin import add_walk_in, record_attendance
from fablab.events.errors import (
    AlreadyRegistered,
    AudienceRestricted,
    EventError,
    MachineBusy,
    RegistrationClosed,
    RegistrationStateError,
)
from fablab.events.models import Event, Registration
from fablab.events.registrations import (
    cancel_registration,
    register,
    send_due_reminders,
)
from fablab.events.services import cancel_event, create_event, publish_event, update_event
from fablab.machines.models import Qualification, UserQualification
from fablab.machines.services import add_months
from fablab.timeutil import utcnow
from fablab.transaction import commit


@pytest.fixture(autouse=True)
def request_context(app):
    """Services translate their error messages: they run inside a request here."""
    with app.test_request_context():
        yield


@pytest.fixture
def make_event(db, manager):
    """A published event a week from now (``publish=False`` keeps it a draft)."""

    def _make(*, publish: bool = True, machines=(), **overrides) -> Event:
        start = (utcnow() + timedelta(days=7)).replace(microsecond=0)
        values = dict(
            kind="discovery_day",
            title_fr="Journée découverte",
            title_en="Discovery day",
            start_at=start,
            end_at=start + timedelta(hours=3),
            place="Grand atelier",
            capacity=10,
            audience="public",
        )
        values.update(overrides)
        event = create_event(values=values, by=manager, machines=list(machines))
        if publish:
            publish_event(event=event)
        commit()
        return event

    return _make


def link_in(message, path: str) -> str:
    match = re.search(rf"http://localhost(/events/{path}/[A-Za-z0-9_\-]+)", message.body)
    assert match, message.body
    return match.group(1)


def ics_event(message):
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    assert attachment[2].startswith("text/calendar")
    text = attachment[1] if isinstance(attachment[1], str) else attachment[1].decode()
    vobject.readOne(text)  # a second, independent parser reads it too
    calendar = Calendar.from_ical(text)
    assert calendar.walk("VTIMEZONE"), "the lab's zone travels with the event"
    (vevent,) = calendar.walk("VEVENT")
    return vevent


def test_a_member_is_confirmed_at_once_and_gets_the_event_for_their_calendar(
    make_event, member, outbox
):
    event = make_event()
    registration = register(event=event, user=member, first_visit=True)
    commit()
    assert registration.status == "confirmed"
    (message,) = outbox
    assert message.to == [member.email]
    assert "Discovery day" in message.subject  # the member reads English
    vevent = ics_event(message)
    assert str(vevent["uid"]) == f"event-{event.id}@localhost"
    assert vevent["sequence"] == 0
    assert vevent.decoded("dtstart") == event.start_at


def test_a_visitor_confirms_by_the_emailed_link(make_event, client, db, outbox):
    event = make_event()
    response = client.post(
        f"/events/{event.id}/register",
        data={"name": "Sam Visitor", "email": "Sam@Example.com", "first_visit": "y"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.status == "pending_confirmation"
    assert registration.email == "sam@example.com"
    (message,) = outbox
    assert "confirmer" in message.subject.lower()  # French, the visitor's language
    confirm_path = link_in(message, "confirm")

    assert client.get(confirm_path).status_code == 200  # a page with a button, no change yet
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "pending_confirmation"

    response = client.post(confirm_path, follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    assert len(outbox) == 2 and ics_event(outbox[1])["summary"] == "Journée découverte"
    client.post(confirm_path)  # following the link again changes nothing
    assert len(outbox) == 2


def test_an_unknown_link_is_a_404(client, db):
    assert client.get("/events/confirm/not-a-token").status_code == 404
    assert client.get("/events/registration/not-a-token").status_code == 404


def test_when_full_people_join_the_waitlist_and_move_up_on_a_cancellation(
    make_event, make_user, outbox
):
    event = make_event(capacity=2)
    people = [make_user() for _ in range(4)]
    registrations = [register(event=event, user=p) for p in people]
    commit()
    assert [r.status for r in registrations] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    outbox.clear()

    promoted = cancel_registration(registration=registrations[0], by=people[0])
    commit()
    assert promoted == [registrations[2]]
    assert registrations[2].status == "confirmed" and registrations[3].status == "waitlisted"
    assert {m.to[0] for m in outbox} == {people[0].email, people[2].email}
    (news,) = [m for m in outbox if m.to == [people[2].email]]
    assert "seat" in news.subject and ics_event(news)


def test_a_waitlisted_cancellation_promotes_nobody(make_event, make_user):
    event = make_event(capacity=1)
    first, second = make_user(), make_user()
    register(event=event, user=first)
    waiting = register(event=event, user=second)
    assert cancel_registration(registration=waiting, by=second) == []
    assert waiting.status == "cancelled"


def test_raising_the_capacity_moves_the_waitlist_up(make_event, make_user, manager):
    event = make_event(capacity=1)
    register(event=event, user=make_user())
    waiting = register(event=event, user=make_user())
    update_event(event=event, values={"capacity": 2}, by=manager)
    assert waiting.status == "confirmed"


def test_the_capacity_cannot_drop_below_the_confirmed_people(make_event, make_user, manager):
    event = make_event(capacity=3)
    for _ in range(2):
        register(event=event, user=make_user())
    with pytest.raises(EventError) as caught:
        update_event(event=event, values={"capacity": 1}, by=manager)
    assert caught.value.field == "capacity"


def test_one_registration_per_address_whatever_the_case(make_event, member, outbox):
    event = make_event()
    register(event=event, email="sam@example.com", name="Sam")
    again = register(event=event, email="SAM@example.com", name="Sam")  # a fresh link
    assert again.status == "pending_confirmation"
    assert len(outbox) == 0  # nothing sent before the commit
    commit()
    assert len(outbox) == 1  # a link was just sent: no second mail at once
    register(event=event, email="sam@example.com", name="Sam", now=utcnow() + timedelta(minutes=5))
    commit()
    assert len(outbox) == 2
    register(event=event, user=member)
    commit()
    with pytest.raises(AlreadyRegistered):
        register(event=event, user=member)


def test_a_member_with_a_pending_link_is_confirmed_when_registering_logged_in(make_event, member):
    event = make_event()
    pending = register(event=event, email=member.email.upper(), name="Alex")
    again = register(event=event, user=member)
    assert again is pending and again.status == "confirmed" and again.user_id == member.id


def test_registration_closes_for_drafts_cancelled_and_started_events(make_event, member, manager):
    draft = make_event(publish=False)
    with pytest.raises(RegistrationClosed):
        register(event=draft, user=member)
    event = make_event()
    with pytest.raises(RegistrationClosed):
        register(event=event, user=member, now=event.start_at + timedelta(minutes=1))
    cancel_event(event=event, by=manager)
    with pytest.raises(RegistrationClosed):
        register(event=event, user=member)


def test_members_only_events_refuse_visitors_and_company_events_need_a_company(make_event):
    with pytest.raises(AudienceRestricted):
        register(event=make_event(audience="members"), email="a@example.com", name="A")
    workshop = make_event(audience="companies", kind="company_workshop")
    with pytest.raises(AudienceRestricted):
        register(event=workshop, email="a@example.com", name="A")
    ok = register(event=workshop, email="a@example.com", name="A", company_name="Acme")
    assert ok.category == "company"


def test_bad_input_is_refused_with_the_field(make_event):
    event = make_event()
    with pytest.raises(EventError) as caught:
        register(event=event, email="not an address", name="A")
    assert caught.value.field == "email"
    with pytest.raises(EventError) as caught:
        register(event=event, email="a@example.com", name=" ")
    assert caught.value.field == "name"


def test_attending_a_training_grants_its_qualification_with_expiry(db, make_event, member, manager):
    laser = Qualification(name="Sécurité découpe laser", validity_months=24)
    db.session.add(laser)
    db.session.commit()
    training = make_event(kind="training", qualification_id=laser.id, title_fr="Sécurité laser")
    registration = register(event=training, user=member)
    commit()
    at_the_door = training.start_at + timedelta(minutes=5)
    record_attendance(registration=registration, by=manager, now=at_the_door)
    commit()
    held = db.session.scalar(
        sa.select(UserQualification).where(UserQualification.user_id == member.id)
    )
    assert held.qualification_id == laser.id and held.source == "training"
    expected = add_months(utcnow(), 24)
    assert abs(held.expires_at - expected) < timedelta(minutes=5)
    assert registration.attended_at == at_the_door


def test_a_visitor_with_an_account_address_gets_the_qualification(db, make_event, member, manager):
    laser = Qualification(name="Laser", validity_months=12)
    db.session.add(laser)
    db.session.commit()
    training = make_event(kind="training", qualification_id=laser.id)
    registration = register(event=training, email=member.email, name="Alex")
    registration.status = "confirmed"
    record_attendance(registration=registration, by=manager, now=training.start_at)
    assert registration.user_id == member.id
    assert db.session.scalar(sa.select(sa.func.count(UserQualification.id))) == 1


def test_check_in_opens_shortly_before_the_event(make_event, member, manager):
    event = make_event()
    registration = register(event=event, user=member)
    with pytest.raises(RegistrationStateError):
        record_attendance(registration=registration, by=manager)


def test_reminders_go_out_once_the_day_before(make_event, member, outbox):
    event = make_event()
    register(event=event, user=member)
    commit()
    outbox.clear()
    day_before = event.start_at - timedelta(hours=20)
    assert send_due_reminders(now=event.start_at - timedelta(days=3)) == 0
    assert send_due_reminders(now=day_before) == 1
    commit()
    assert send_due_reminders(now=day_before) == 0
    (message,) = outbox
    assert "Reminder" in message.subject


def test_a_change_of_time_grows_the_sequence_and_tells_registered_people(
    make_event, member, manager, outbox
):
    event = make_event()
    register(event=event, user=member)
    commit()
    outbox.clear()
    later = event.start_at + timedelta(hours=1)
    update_event(
        event=event, values={"start_at": later, "end_at": later + timedelta(hours=2)}, by=manager
    )
    commit()
    assert event.sequence == 1
    (message,) = outbox
    assert ics_event(message)["sequence"] == 1


def test_cancelling_an_event_tells_people_and_frees_its_machines(
    db, make_event, make_machine, member, manager, outbox
):
    laser = make_machine(kind="laser_cutter")
    event = make_event(machines=[laser])
    (link,) = event.machines
    assert link.reservation.status == "confirmed"
    assert link.reservation.note.startswith("Event: ")
    register(event=event, user=member)
    commit()
    outbox.clear()
    cancel_event(event=event, by=manager)
    commit()
    assert link.reservation.status == "cancelled"
    (message,) = [m for m in outbox if m.to == [member.email]]
    assert str(ics_event(message)["status"]) == "CANCELLED"


def test_an_event_cannot_take_a_machine_already_booked(make_event, make_machine, manager):
    laser = make_machine(kind="laser_cutter")
    first = make_event(machines=[laser])
    with pytest.raises(MachineBusy):
        make_event(machines=[laser], start_at=first.start_at + timedelta(hours=1))


def test_moving_an_event_moves_its_machine_reservation(make_event, make_machine, manager):
    laser = make_machine(kind="laser_cutter")
    event = make_event(machines=[laser])
    later = event.start_at + timedelta(days=1)
    update_event(
        event=event, values={"start_at": later, "end_at": later + timedelta(hours=3)}, by=manager
    )
    assert event.machines[0].reservation.start_at == later


def test_a_walk_in_is_added_present_even_when_full(make_event, make_user, manager):
    event = make_event(capacity=1, start_at=utcnow() + timedelta(minutes=30))
    register(event=event, user=make_user())
    walk_in = add_walk_in(
        event=event, by=manager, email="door@example.org", name="At the door", first_visit=True
    )
    assert walk_in.status == "confirmed" and walk_in.attended_at is not None
