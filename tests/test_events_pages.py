# ruff: noqa: F811  (the make_event fixture comes from tests.test_events_registrations)
"""Event pages: public list and registration, the manager's editor, check-in and CSV."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from fablab.events.jobs import send_reminders_job
from fablab.events.models import Event, Registration
from fablab.events.registrations import register
from fablab.machines.models import Qualification, UserQualification
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.transaction import commit
from tests.test_events_registrations import make_event  # noqa: F401  (fixture)


def test_the_public_page_lists_published_events_in_the_visitors_language(client, make_event):
    make_event(title_fr="Journée découverte", title_en="Discovery day")
    make_event(title_fr="Brouillon secret", publish=False)
    page = client.get("/events", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Discovery day" in page and "Brouillon secret" not in page
    page = client.get("/events", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Journée découverte" in page


def test_the_public_page_filters_by_kind_and_audience(client, make_event):
    make_event(title_en="Open day for all")
    make_event(kind="company_workshop", audience="companies", title_en="Workshop for companies")
    page = client.get("/events?kind=company_workshop", headers={"Accept-Language": "en"})
    assert "Workshop for companies" in page.get_data(as_text=True)
    assert "Open day for all" not in page.get_data(as_text=True)
    page = client.get("/events?audience=public&kind=nonsense", headers={"Accept-Language": "en"})
    assert "Open day for all" in page.get_data(as_text=True)
    assert "Workshop for companies" not in page.get_data(as_text=True)


def test_a_draft_is_hidden_from_the_public(client, make_event):
    draft = make_event(publish=False)
    assert client.get(f"/events/{draft.id}").status_code == 404


def test_a_visitor_form_with_errors_is_shown_again_and_nothing_is_stored(client, db, make_event):
    event = make_event()
    response = client.post(f"/events/{event.id}/register", data={"name": "", "email": "nope"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0


def test_the_visitor_form_does_not_tell_who_is_registered(client, db, make_event, member, outbox):
    """Registering a registered address answers as for a new one; its owner is told by mail."""
    event = make_event(title_en="Discovery day")
    register(event=event, user=member)  # the member's own registration, confirmed
    commit()
    outbox.clear()
    form = {"name": "Someone", "email": member.email, "first_visit": ""}

    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=True):
        known = client.post(f"/events/{event.id}/register", data=form)
        new = client.post(
            f"/events/{event.id}/register", data={**form, "email": "new.visitor@example.org"}
        )
        assert known.status_code == new.status_code == 302
        assert known.headers["Location"] == new.headers["Location"]  # "check your mailbox"
        assert [m.to for m in outbox] == [[member.email], ["new.visitor@example.org"]]
        assert "already registered" in outbox[0].body
        again = client.post(f"/events/{event.id}/register", data=form)  # at once: no mail flood
        assert again.status_code == 302 and len(outbox) == 2
    statuses = db.session.scalars(sa.select(Registration.status).order_by(Registration.id)).all()
    assert statuses == ["confirmed", "pending_confirmation"]  # nothing else changed


def test_a_logged_in_member_registers_and_sees_it_in_my_registrations(
    client, db, make_event, member, login_as
):
    event = make_event(title_en="Discovery day")
    login_as(member)
    response = client.post(f"/events/{event.id}/register", data={"first_visit": "y"})
    assert response.status_code == 302
    page = client.get("/events/mine", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Discovery day" in page and "Confirmed" in page
    registration = db.session.scalar(sa.select(Registration))
    response = client.post(f"/events/registrations/{registration.id}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "cancelled"


def test_a_person_cannot_cancel_someone_elses_registration(
    client, make_event, member, make_user, login_as
):
    event = make_event()
    other = register(event=event, user=make_user())
    commit()
    login_as(member)
    assert client.post(f"/events/registrations/{other.id}/cancel").status_code == 403


@pytest.mark.parametrize(
    "url", ["/events/manage", "/events/new", "/events/{id}/registrations", "/events/{id}/checkin",
            "/events/{id}/registrations.csv", "/events/{id}/edit"],
)  # fmt: skip
def test_manager_pages_are_for_managers(client, make_event, member, login_as, url):
    event = make_event()
    assert client.get(url.format(id=event.id)).status_code in (302, 401)
    login_as(member)
    assert client.get(url.format(id=event.id)).status_code == 403


def test_a_manager_creates_and_publishes_an_event_with_a_machine(
    client, db, manager, make_machine, login_as
):
    laser = make_machine(kind="laser_cutter", name="Laser")
    login_as(manager)
    day = (utcnow() + timedelta(days=10)).date()
    form = {
        "kind": "open_lab",
        "audience": "public",
        "title_fr": "Atelier ouvert",
        "title_en": "Open lab",
        "start_at": f"{day}T14:00",
        "end_at": f"{day}T17:00",
        "capacity": "8",
        "price_public_cents": "5,00",
        "qualification_id": "0",
        "machines": [str(laser.id)],
    }
    response = client.post("/events/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalar(sa.select(Event))
    assert event.status == "draft" and event.price_public_cents == 500
    assert to_local(event.start_at).hour == 14  # typed in the lab's zone
    assert event.machines[0].reservation.machine_id == laser.id
    client.post(f"/events/{event.id}/publish")
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "published"


def test_the_editor_refuses_an_end_before_the_start(client, db, manager, login_as):
    login_as(manager)
    day = (utcnow() + timedelta(days=10)).date()
    form = {"kind": "open_lab", "audience": "public", "title_fr": "X", "capacity": "8",
            "start_at": f"{day}T14:00", "end_at": f"{day}T13:00"}  # fmt: skip
    response = client.post("/events/new", data=form)
    assert response.status_code == 422
    assert "The end must be after the start." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_check_in_on_the_tablet_grants_the_training_qualification(
    client, db, make_event, member, manager, login_as
):
    laser = Qualification(name="Laser", validity_months=24)
    db.session.add(laser)
    db.session.commit()
    soon = utcnow() + timedelta(minutes=30)
    training = make_event(
        kind="training", qualification_id=laser.id, start_at=soon, end_at=soon + timedelta(hours=2)
    )
    registration = register(event=training, user=member)
    commit()
    login_as(manager)
    page = client.get(f"/events/{training.id}/checkin").get_data(as_text=True)
    assert member.name in page
    response = client.post(
        f"/events/{training.id}/checkin/{registration.id}", data={"attended": "1"}
    )
    assert response.status_code == 302
    held = db.session.scalar(sa.select(UserQualification))
    assert held.user_id == member.id and held.expires_at > utcnow() + timedelta(days=700)


def test_the_csv_export_lists_registrations_and_defuses_formulas(
    client, make_event, manager, login_as
):
    event = make_event()
    register(event=event, email="x@example.org", name="=HYPERLINK(1)", company_name="Acme")
    commit()
    login_as(manager)
    response = client.get(f"/events/{event.id}/registrations.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text and "x@example.org" in text and "Acme" in text


def test_the_reminder_job_runs_outside_a_request(app, db, make_event, member, outbox):
    soon = utcnow() + timedelta(hours=5)
    event = make_event(start_at=soon, end_at=soon + timedelta(hours=1))
    register(event=event, user=member)
    commit()
    outbox.clear()
    with app.app_context():  # as the scheduler runs it: no request
        assert send_reminders_job() == 1
        assert send_reminders_job() == 0
    assert len(outbox) == 1 and "http://localhost/events/" in outbox[0].body


def test_a_walk_in_is_added_from_the_check_in_list(client, db, make_event, manager, login_as):
    soon = utcnow() + timedelta(minutes=30)
    event = make_event(start_at=soon, end_at=soon + timedelta(hours=2))
    login_as(manager)
    bad = client.post(f"/events/{event.id}/checkin/walk-in", data={"name": "X", "email": "no"})
    assert bad.status_code == 422
    response = client.post(
        f"/events/{event.id}/checkin/walk-in",
        data={"name": "Door Person", "email": "door@example.org", "first_visit": "y"},
    )
    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.attended_at is not None and registration.first_visit


def test_a_members_only_event_asks_visitors_to_log_in(client, make_event):
    event = make_event(audience="members")
    page = client.get(f"/events/{event.id}", headers={"Accept-Language": "en"})
    assert "Log in to register" in page.get_data(as_text=True)


def test_the_cli_lists_events_and_prints_metrics(app, make_event):
    make_event(title_fr="Journée découverte", capacity=12)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["events", "list"])
    assert (
        listed.exit_code == 0 and "Journée découverte" in listed.output and "0/12" in listed.output
    )
    metrics = runner.invoke(
        args=["events", "metrics", "--start", "2020-01-01", "--end", "2099-01-01"]
    )
    assert metrics.exit_code == 0 and '"events": 1' in metrics.output
    bad = runner.invoke(args=["events", "metrics", "--start", "soon", "--end", "2099-01-01"])
    assert bad.exit_code == 2
