"""Secret feed links: shown to their owner, revocable, never guessable."""

from __future__ import annotations

import pytest


def test_every_account_has_a_long_random_feed_token(make_user):
    first, second = make_user(), make_user()

    assert len(first.calendar_token) >= 43
    assert first.calendar_token != second.calendar_token


def test_the_api_gives_the_callers_feed_url(login_as, member):
    body = login_as(member).get("/api/v1/me").get_json()

    assert body["calendar_url"] == f"http://localhost/calendar/user/{member.calendar_token}.ics"


def test_the_subscription_page_offers_webcal_https_and_add_buttons(login_as, member):
    page = login_as(member).get("/calendar/").get_data(as_text=True)

    assert f"webcal://localhost/calendar/user/{member.calendar_token}.ics" in page
    assert f"http://localhost/calendar/user/{member.calendar_token}.ics" in page
    assert "Add to calendar" in page
    assert "Revoke and create a new link" in page


def test_the_profile_links_to_the_subscription_page(login_as, member):
    page = login_as(member).get("/profile")

    assert 'href="/calendar/"' in page.get_data(as_text=True)


def test_the_subscription_page_needs_a_login(client):
    assert client.get("/calendar/").status_code in (302, 401)


def test_revoking_kills_the_old_url(db, login_as, member):
    client = login_as(member)
    old = member.calendar_token
    assert client.get(f"/calendar/user/{old}.ics").status_code == 200

    response = client.post("/calendar/revoke")

    assert response.status_code == 302
    db.session.refresh(member)
    assert member.calendar_token != old
    assert client.get(f"/calendar/user/{old}.ics").status_code == 404
    assert client.get(f"/calendar/user/{member.calendar_token}.ics").status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 43, "../../etc/passwd", "a" * 200])
def test_an_unknown_token_is_404(client, member, token):
    assert client.get(f"/calendar/user/{token}.ics").status_code == 404
    assert client.get(f"/calendar/company/{token}.ics").status_code == 404


def test_a_deactivated_account_has_no_feed(client, db, member):
    member.active = False
    db.session.commit()

    assert client.get(f"/calendar/user/{member.calendar_token}.ics").status_code == 404


def test_the_company_contact_gets_and_revokes_the_company_link(
    db, login_as, make_company, make_user
):
    from fablab.calendars.tokens import company_token

    company = make_company(legal_name="Demo Industries")
    contact = make_user(company=company, is_company_contact=True)
    client = login_as(contact)

    page = client.get("/calendar/").get_data(as_text=True)
    old = company_token(company)
    assert f"webcal://localhost/calendar/company/{old}.ics" in page
    assert client.get(f"/calendar/company/{old}.ics").status_code == 200

    assert client.post("/calendar/company/revoke").status_code == 302

    new = company_token(company)
    assert new != old
    assert client.get(f"/calendar/company/{old}.ics").status_code == 404
    assert client.get(f"/calendar/company/{new}.ics").status_code == 200


def test_an_employee_who_is_not_the_contact_sees_no_company_link(login_as, make_company, make_user):
    company = make_company()
    employee = make_user(company=company)
    client = login_as(employee)

    assert "/calendar/company/" not in client.get("/calendar/").get_data(as_text=True)
    assert client.post("/calendar/company/revoke").status_code == 403
