# ruff: noqa: F811  (pytest fixtures imported from tests.calendar_helpers)
"""The company calendar feed dies with its contact's role and lists only bookings made on
the company's account, never an employee's personal bookings."""

from __future__ import annotations

import pytest

from tests.calendar_helpers import book_directly, paris, vevents_icalendar  # noqa: F401


@pytest.fixture
def printer(make_machine):
    return make_machine(name="Printer")


@pytest.fixture
def contact(make_company, make_user):
    company = make_company(legal_name="Demo Industries")
    return make_user(company=company, is_company_contact=True, name="Carla Contact")


def link_seen_by(client, login_as, user) -> str:
    """The company feed address the contact makes on the subscription page (shown once)."""
    page = login_as(user).post("/calendar/company/revoke").get_data(as_text=True)
    token = page.split("webcal://localhost/calendar/company/")[1].split(".ics")[0]
    return f"/calendar/company/{token}.ics"


@pytest.mark.parametrize(
    "how",
    [
        lambda c: f"/manage/companies/{c.company_id}/employees/{c.id}/remove",
        lambda c: f"/manage/users/{c.id}/deactivate",
    ],
    ids=["removed-from-company", "deactivated"],
)
def test_a_former_contacts_link_stops_working(
    app, client, login_as, contact, manager, make_user, how
):
    link = link_seen_by(client, login_as, contact)
    assert app.test_client().get(link).status_code == 200

    assert login_as(manager).post(how(contact)).status_code == 302

    assert app.test_client().get(link).status_code == 404


def test_a_new_contact_gets_a_new_link(app, client, login_as, contact, manager, make_user, db):
    old = link_seen_by(client, login_as, contact)
    successor = make_user(company=contact.company, is_company_contact=True)
    login_as(manager).post(f"/manage/companies/{contact.company_id}/employees/{contact.id}/remove")

    page = login_as(successor).get("/calendar/").get_data(as_text=True)
    assert "The company has no link yet." in page  # the old one died with its contact
    new = link_seen_by(client, login_as, successor)

    assert new != old
    assert app.test_client().get(new).status_code == 200
    assert app.test_client().get(old).status_code == 404


def test_the_feed_lists_only_company_account_bookings(
    app, client, login_as, contact, make_user, printer, book_directly
):
    employee = make_user(company=contact.company, name="Eli Employee")
    for_the_company = book_directly(
        printer, employee, paris(2027, 1, 12, 10), company=contact.company
    )
    book_directly(printer, employee, paris(2027, 1, 13, 10))  # personal, paid by Eli

    body = app.test_client().get(link_seen_by(client, login_as, contact)).data

    assert list(vevents_icalendar(body)) == [f"reservation-{for_the_company.id}@localhost"]
    api = login_as(contact).get("/api/v1/reservations").get_json()
    assert [r["id"] for r in api] == [for_the_company.id]  # the API agrees
