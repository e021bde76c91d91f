# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Links in mails and feeds are built on FABLAB_BASE_URL, whatever host the request came on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from fablab.accounts.tokens import create_api_token
from fablab.events.services import create_event, publish_event
from fablab.timeutil import utcnow
from fablab.transaction import commit
from tests.accounting_helpers import a_charge, invoice_now
from tests.bookings_fixtures import NOW, open_lab, paris, printer  # noqa: F401

BASE = "https://lab.example.org/fablab"


@pytest.fixture(autouse=True)
def public_address(app, client, monkeypatch):
    """The lab's public address has a path prefix; the client comes in on another host."""
    monkeypatch.setitem(app.config, "FABLAB_BASE_URL", BASE)
    client.environ_base["HTTP_HOST"] = "localhost:8123"  # not the public host, nor its port
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def assert_on_base(text: str) -> list[str]:
    found = links(text)
    assert found, text
    assert all(link.startswith(BASE + "/") for link in found), found
    assert "localhost" not in text and "127.0.0.1" not in text
    return found


def test_booking_confirmation_links_use_the_public_address(app, member, printer, outbox):
    from fablab.bookings.services import create_reservation

    with app.test_request_context("/", base_url="http://localhost:8123"):
        create_reservation(
            machine=printer,
            user=member,
            start=paris(2027, 3, 3, 14, 0),
            end=paris(2027, 3, 3, 16, 0),
            now=NOW,
        )
        commit()
    (mail,) = outbox
    assert any("/fablab/" in link for link in assert_on_base(mail.body))


def test_invoice_mail_links_use_the_public_address(client, login_as, db, manager, member, outbox):
    a_charge(member, key="laser")
    db.session.commit()
    invoice_now(login_as(manager), "user", member.id)
    (mail,) = outbox
    found = assert_on_base(mail.body)
    assert any(re.search(r"/fablab/invoices/\d+$", link) for link in found)


def test_event_registration_and_feed_links_use_the_public_address(client, db, manager, outbox):
    start = (utcnow() + timedelta(days=7)).replace(microsecond=0)
    with client.application.test_request_context():
        event = create_event(
            values=dict(
                kind="discovery_day",
                title_fr="Journée découverte",
                title_en="Discovery day",
                start_at=start,
                end_at=start + timedelta(hours=3),
                place="Grand atelier",
                capacity=10,
                audience="public",
            ),
            by=manager,
        )
        publish_event(event=event)
        commit()
    response = client.post(
        f"/events/{event.id}/register",
        data={"name": "Sam Visitor", "email": "sam@example.com", "first_visit": "y"},
    )
    assert response.status_code == 302
    (mail,) = outbox
    assert any("/fablab/events/confirm/" in link for link in assert_on_base(mail.body))

    widget = client.get("/widget.json").get_json()  # embedded on other sites
    assert [e["url"] for e in widget["events"]] == [f"{BASE}/events/{event.id}"]

    feed = client.get("/calendar/events.ics").get_data(as_text=True)
    unfolded = feed.replace("\r\n ", "")
    assert f"URL:{BASE}/events/{event.id}" in unfolded
    assert f"event-{event.id}@lab.example.org" in unfolded


def test_password_reset_and_invitation_links_use_the_public_address(
    client, login_as, make_company, make_user, member, outbox
):
    client.post("/password/forgot", data={"email": member.email})
    (reset,) = outbox
    assert any("/fablab/password/reset/" in link for link in assert_on_base(reset.body))

    contact = make_user(company=make_company(), is_company_contact=True)
    login_as(contact).post("/my-company/invite", data={"email": "new.hire@example.org"})
    invitation = outbox[-1]
    assert any("/fablab/companies/join/" in link for link in assert_on_base(invitation.body))


def test_printed_kiosk_codes_use_the_public_address(client, login_as, manager, make_machine):
    machine = make_machine()
    page = login_as(manager).get(f"/kiosk/machines/{machine.id}/qr").get_data(as_text=True)
    assert f"{BASE}/kiosk/machines/{machine.id}" in page and "localhost" not in page


def test_feed_subscription_links_use_the_public_address(client, db, login_as, member):
    page = login_as(member).post("/calendar/revoke").get_data(as_text=True)
    assert f"{BASE}/calendar/user/" in page
    assert f"{BASE}/calendar/events.ics" in page
    assert "http://localhost" not in page
    _token, secret = create_api_token(user=member, name="feeds")
    db.session.commit()
    made = client.post(
        "/api/v1/me/calendar-token", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    assert made["calendar_url"].startswith(f"{BASE}/calendar/user/")


def test_a_debug_server_without_a_base_url_uses_the_address_it_was_reached_at(app, monkeypatch):
    from fablab.urls import external_url

    monkeypatch.setitem(app.config, "FABLAB_BASE_URL", "")
    with app.test_request_context("/", base_url="http://127.0.0.1:8765"):
        monkeypatch.setattr(app, "debug", True)
        assert external_url("main.index") == "http://127.0.0.1:8765/"
        monkeypatch.setattr(app, "debug", False)
        # Outside debug, the Host header (chosen by the client) is never trusted.
        assert external_url("main.index") == "http://127.0.0.1:5000/"
