"""Secret feed links: shown to their owner, revocable, never guessable."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

FEED_URL = re.compile(r'value="http://localhost(/calendar/(?:user|company)/[\w-]+\.ics)"')


def make_link(client, which: str = "personal") -> str:
    """Press the page's button; the answer shows the new link this once."""
    action = "/calendar/revoke" if which == "personal" else "/calendar/company/revoke"
    response = client.post(action)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return FEED_URL.search(response.get_data(as_text=True)).group(1)


def test_feed_links_are_long_random_and_stored_only_as_a_hash(db, app, login_as, make_user):
    first, second = make_user(), make_user()
    first_url = make_link(login_as(first))
    second_url = make_link(login_as(second))
    token = first_url.rsplit("/", 1)[1].removesuffix(".ics")

    assert len(token) >= 43 and first_url != second_url
    with db.engine.connect() as connection:
        for table in ("users", "company_calendar_tokens"):
            rows = connection.execute(sa.text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert not any(token in str(value) for row in rows for value in row)
    db.session.refresh(first)
    assert first.calendar_token_prefix == token[:6]


def test_the_link_is_shown_once_then_only_its_first_characters(login_as, member):
    client = login_as(member)
    assert "You have no link yet." in client.get("/calendar/").get_data(as_text=True)
    url = make_link(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    page = client.get("/calendar/").get_data(as_text=True)

    assert token not in page
    assert f"starts with {token[:6]}…" in page
    assert "Revoke and create a new link" in page
    assert client.get("/api/v1/me").get_json()["calendar_token_prefix"] == token[:6]


def test_the_new_link_offers_webcal_https_and_add_buttons(login_as, member):
    client = login_as(member)
    response = client.post("/calendar/revoke")
    page = response.get_data(as_text=True)
    token = FEED_URL.search(page).group(1).rsplit("/", 1)[1]

    assert f"webcal://localhost/calendar/user/{token}" in page
    assert f"http://localhost/calendar/user/{token}" in page
    assert "Add to calendar" in page
    assert "shown only this once" in page


def test_the_profile_links_to_the_subscription_page(login_as, member):
    page = login_as(member).get("/profile")

    assert 'href="/calendar/"' in page.get_data(as_text=True)


def test_the_subscription_page_needs_a_login(client):
    assert client.get("/calendar/").status_code in (302, 401)


def test_a_new_link_kills_the_old_url(db, login_as, member):
    client = login_as(member)
    old = make_link(client)
    assert client.get(old).status_code == 200

    new = make_link(client)

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 43, "../../etc/passwd", "a" * 200])
def test_an_unknown_token_is_404(client, member, token):
    assert client.get(f"/calendar/user/{token}.ics").status_code == 404
    assert client.get(f"/calendar/company/{token}.ics").status_code == 404


def test_a_deactivated_account_has_no_feed(client, db, member, login_as):
    url = make_link(login_as(member))
    member.active = False
    db.session.commit()

    assert client.get(url).status_code == 404


def test_the_company_contact_gets_and_revokes_the_company_link(
    db, login_as, make_company, make_user
):
    company = make_company(legal_name="Demo Industries")
    contact = make_user(company=company, is_company_contact=True)
    client = login_as(contact)
    assert "Create the company link" in client.get("/calendar/").get_data(as_text=True)

    old = make_link(client, "company")
    assert old.startswith("/calendar/company/")
    assert client.get(old).status_code == 200
    page = client.get("/calendar/").get_data(as_text=True)
    assert old not in page and "The company link starts with" in page

    new = make_link(client, "company")

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_an_employee_who_is_not_the_contact_sees_no_company_link(login_as, make_company, make_user):
    company = make_company()
    employee = make_user(company=company)
    client = login_as(employee)

    assert "/calendar/company/" not in client.get("/calendar/").get_data(as_text=True)
    assert client.post("/calendar/company/revoke").status_code == 403
