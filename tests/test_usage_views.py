"""Usage pages: the kiosk, the manager's sessions, corrections and devices."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.machines.zone import to_local
from fablab.timeutil import utcnow
from fablab.usage.models import DeviceToken, OctoPrintLink, UsageSession
from tests.fake_octoprint import FakeOctoPrint


@pytest.fixture
def laser(make_machine):
    return make_machine(
        name="Laser", kind="laser_cutter", consumable_unit="sheet", consumable_rate_cents=350
    )


def sessions(db):
    db.session.rollback()
    return db.session.scalars(sa.select(UsageSession).order_by(UsageSession.id)).all()


def test_a_walk_in_starts_and_stops_at_the_kiosk_with_material(db, login_as, laser, member):
    client = login_as(member)
    page = client.get(f"/usage/machines/{laser.id}/kiosk")
    assert "Start a walk-in session" in page.text

    client.post(f"/usage/machines/{laser.id}/kiosk/start")
    [running] = sessions(db)
    assert running.status == "open"
    assert running.source == "kiosk"
    page = client.get(f"/usage/machines/{laser.id}/kiosk")
    assert "Stop my session" in page.text

    running.started_at = utcnow() - timedelta(minutes=40)
    db.session.commit()
    done = client.post(f"/usage/sessions/{running.id}/stop", data={"consumables": "1.5"})
    assert done.status_code == 302
    [stopped] = sessions(db)
    assert stopped.status == "closed"
    assert stopped.consumable_quantity_milli == 1500
    assert "Start a walk-in session" in client.get(f"/usage/machines/{laser.id}/kiosk").text


def test_negative_material_at_the_kiosk_is_refused(db, login_as, laser, member):
    client = login_as(member)
    client.post(f"/usage/machines/{laser.id}/kiosk/start")
    [running] = sessions(db)
    response = client.post(
        f"/usage/sessions/{running.id}/stop", data={"consumables": "-2"}, follow_redirects=True
    )
    assert "cannot be negative" in response.text
    assert sessions(db)[0].status == "open"


def test_the_kiosk_lets_only_the_booker_start_during_a_booking(
    db, login_as, laser, member, make_user
):
    now = utcnow()
    db.session.add(
        Reservation(
            machine=laser,
            user=make_user(),
            start_at=now - timedelta(minutes=10),
            end_at=now + timedelta(hours=1),
            blocked_until=now + timedelta(hours=1),
            status="confirmed",
        )
    )
    db.session.commit()
    client = login_as(member)
    page = client.get(f"/usage/machines/{laser.id}/kiosk")
    assert "booked by someone else" in page.text
    response = client.post(f"/usage/machines/{laser.id}/kiosk/start", follow_redirects=True)
    assert "booked by someone else" in response.text
    assert sessions(db) == []


def test_someone_else_cannot_stop_my_session(db, login_as, laser, member, make_user):
    login_as(member).post(f"/usage/machines/{laser.id}/kiosk/start")
    [running] = sessions(db)
    client = login_as(make_user())
    assert client.post(f"/usage/sessions/{running.id}/stop").status_code == 404
    assert sessions(db)[0].status == "open"


@pytest.mark.parametrize(
    "url",
    ["/usage/sessions", "/usage/review", "/usage/sessions/new", "/usage/machines/{id}/devices"],
)
def test_manager_pages_are_for_managers(login_as, laser, member, url):
    response = login_as(member).get(url.format(id=laser.id))
    assert response.status_code == 403


def test_a_manager_records_then_corrects_a_session_and_sees_the_history(
    db, login_as, laser, manager, member, make_user
):
    client = login_as(manager)
    start = to_local(utcnow() - timedelta(hours=3)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=1)
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post(
        "/usage/sessions/new",
        data={
            "machine_id": laser.id,
            "user_email": member.email,
            "started_at": start.strftime(fmt),
            "ended_at": end.strftime(fmt),
            "consumables": "2",
            "reason": "Paper log of Tuesday",
        },
    )
    assert response.status_code == 302, response.text
    [session] = sessions(db)
    assert session.source == "manager"
    assert session.duration_minutes == 60

    other = make_user(email="dominique@example.org")
    without_reason = client.post(
        f"/usage/sessions/{session.id}",
        data={
            "started_at": start.strftime(fmt),
            "ended_at": end.strftime(fmt),
            "consumables": "3",
            "user_email": other.email,
            "reason": "",
        },
    )
    assert without_reason.status_code == 422
    assert "reason is required" in without_reason.text
    assert sessions(db)[0].consumable_quantity_milli == 2000

    client.post(
        f"/usage/sessions/{session.id}",
        data={
            "started_at": start.strftime(fmt),
            "ended_at": end.strftime(fmt),
            "consumables": "3",
            "user_email": other.email,
            "reason": "Dominique used three sheets",
        },
    )
    [corrected] = sessions(db)
    assert corrected.user_id == other.id
    assert corrected.consumable_quantity_milli == 3000
    page = client.get(f"/usage/sessions/{session.id}").text
    assert "Dominique used three sheets" in page
    assert "Paper log of Tuesday" in page
    assert "dominique@example.org" in page


def test_a_member_sees_their_session_but_not_others(db, login_as, laser, member, make_user):
    login_as(member).post(f"/usage/machines/{laser.id}/kiosk/start")
    [running] = sessions(db)
    assert login_as(member).get(f"/usage/sessions/{running.id}").status_code == 200
    assert login_as(member).post(f"/usage/sessions/{running.id}", data={}).status_code == 403
    assert login_as(make_user()).get(f"/usage/sessions/{running.id}").status_code == 404
    assert "Laser" in login_as(member).get("/usage/mine").text


def test_flagged_sessions_are_listed_for_review_and_approved(
    app, db, login_as, laser, member, manager
):
    from fablab.usage.services import close_stale_sessions, start_session

    with app.test_request_context():
        start_session(machine=laser, user=member, source="kiosk", at=utcnow() - timedelta(hours=20))
        close_stale_sessions()
    db.session.commit()
    client = login_as(manager)
    [flagged] = sessions(db)
    assert "closed automatically" in client.get("/usage/review").text
    client.post(f"/usage/sessions/{flagged.id}/approve", data={"reason": "Checked"})
    assert sessions(db)[0].status == "closed"


def test_a_device_token_is_shown_once_and_can_be_revoked(app, db, login_as, laser, manager):
    client = login_as(manager)
    page = client.post(f"/usage/machines/{laser.id}/devices/tokens", data={"label": "door"})
    assert page.status_code == 200
    token = db.session.scalars(sa.select(DeviceToken)).one()
    secret = page.text.split('id="new-device-token">')[1].split("<")[0]
    assert secret.startswith("fld_")
    assert secret not in client.get(f"/usage/machines/{laser.id}/devices").text
    assert token.token_hash != secret

    client.post(f"/usage/machines/{laser.id}/devices/tokens/{token.id}/revoke")
    device = app.test_client()  # a device has no session cookie
    response = device.post(
        "/api/v1/usage/sessions",
        json={"user_email": manager.email},
        headers={"X-Device-Token": secret},
    )
    assert response.status_code == 401


def test_the_octoprint_link_is_saved_with_its_filament(db, login_as, laser, manager):
    client = login_as(manager)
    url = f"/usage/machines/{laser.id}/devices/octoprint"
    bad = client.post(url, data={"url": "not a url", "api_key": "k", "diameter_mm": "1.75"})
    assert bad.status_code == 422
    assert db.session.scalars(sa.select(OctoPrintLink)).all() == []

    with FakeOctoPrint(api_key="ABC123") as octoprint:
        client.post(
            url,
            data={
                "kind": "octoprint",
                "url": octoprint.url + "/",
                "api_key": "ABC123",
                "diameter_mm": "2.85",
                "density_g_cm3": "1.27",
                "enabled": "y",
            },
        )
    link = db.session.scalars(sa.select(OctoPrintLink)).one()
    assert (link.url, link.api_key, link.diameter_milli_mm, link.density_milli) == (
        octoprint.url,
        "ABC123",
        2850,
        1270,
    )
    page = client.get(f"/usage/machines/{laser.id}/devices").text
    assert "ABC123" not in page  # the stored key is never shown back


def test_the_manager_filters_sessions_by_machine_status_and_person(
    app, db, login_as, laser, make_machine, manager, member, make_user
):
    from fablab.usage.services import start_session

    printer = make_machine(name="Printer")
    other = make_user(email="other@example.org")
    with app.test_request_context():
        start_session(machine=laser, user=member, source="kiosk")
        start_session(machine=printer, user=other, source="device")
    db.session.commit()
    client = login_as(manager)

    def listed(query: str) -> str:
        page = client.get("/usage/sessions" + query)
        assert page.status_code == 200
        return page.text.split('id="usage-sessions"')[1]

    everything = listed("")
    assert member.name in everything and other.name in everything
    by_machine = listed(f"?machine_id={printer.id}")
    assert other.name in by_machine and member.name not in by_machine
    by_person = listed("?user_email=member@example.org")
    assert member.name in by_person and other.name not in by_person
    assert "No usage sessions." in listed("?status=flagged")
    assert "No usage sessions." in listed("?user_email=nobody@example.org")
    assert client.get("/usage/sessions/new").status_code == 200


def test_the_kiosk_speaks_french(login_as, laser, make_user):
    page = login_as(make_user(locale="fr")).get(f"/usage/machines/{laser.id}/kiosk")
    assert "Libre en ce moment." in page.text
    assert "Démarrer une session sans réservation" in page.text
