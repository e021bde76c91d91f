# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""The reservations API as an integrator sees it."""

from __future__ import annotations

import pytest

from tests.bookings_fixtures import frozen, laser, open_lab, paris, printer  # noqa: F401


class ApiClient:
    """The test client with a Bearer token, as an integrator calls the API."""

    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url, **kwargs):
        return self.client.post(url, headers=self.headers, **kwargs)


@pytest.fixture
def login_as(app, db):
    """Here ``login_as(user)`` gives an API client authenticated by a Bearer token."""
    from fablab.accounts.tokens import create_api_token

    def _login(user):
        _token, secret = create_api_token(user=user)
        db.session.commit()
        return ApiClient(app.test_client(), secret)

    return _login


TUESDAY_10 = "2027-03-02T10:00:00+01:00"
TUESDAY_11 = "2027-03-02T11:00:00+01:00"


def post_booking(client, machine, start=TUESDAY_10, end=TUESDAY_11, **extra):
    return client.post(
        "/api/v1/reservations", json={"machine_id": machine.id, "start": start, "end": end, **extra}
    )


def test_booking_answers_201_with_the_reservation(login_as, member, printer, frozen):
    client = login_as(member)

    response = post_booking(client, printer)

    assert response.status_code == 201
    body = response.get_json()
    assert body["machine_id"] == printer.id
    assert body["status"] == "confirmed"
    assert body["start"].startswith("2027-03-02T09:00:00")
    assert body["end"].startswith("2027-03-02T10:00:00")


def test_a_taken_slot_answers_409_conflict(login_as, member, make_user, printer, frozen):
    assert post_booking(login_as(make_user()), printer).status_code == 201

    response = post_booking(
        login_as(member), printer, "2027-03-02T10:30:00+01:00", "2027-03-02T11:30:00+01:00"
    )

    assert response.status_code == 409
    assert response.get_json()["error"] == "conflict"


def test_a_rule_answers_422_naming_it(login_as, member, printer, frozen):
    response = post_booking(
        login_as(member), printer, "2027-03-02T19:00:00+01:00", "2027-03-02T21:00:00+01:00"
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "rule_violation"
    assert body["rule"] == "opening_hours"
    assert "Opening hours" in body["message"]


def test_naive_or_absurd_dates_answer_422(login_as, member, printer, frozen):
    client = login_as(member)
    naive = post_booking(client, printer, "2027-03-02T10:00:00", "2027-03-02T11:00:00")
    ancient = post_booking(client, printer, "1900-03-02T10:00:00+01:00", TUESDAY_11)
    garbage = post_booking(client, printer, "next tuesday", TUESDAY_11)
    not_json = client.post("/api/v1/reservations", data="x", content_type="text/plain")

    for response in (naive, ancient, garbage, not_json):
        assert response.status_code == 422
        assert response.get_json()["error"] == "invalid"


def test_missing_qualification_answers_403(db, login_as, member, laser, frozen):
    from fablab.machines.services import grant_qualification

    client = login_as(member)
    refused = post_booking(client, laser)
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "not_qualified"
    assert "Laser safety" in refused.get_json()["message"]

    grant_qualification(user=member, qualification=laser.required_qualification)
    db.session.commit()
    assert post_booking(client, laser).status_code == 201


def test_anonymous_callers_get_401(client, printer):
    assert post_booking(client, printer).status_code == 401
    assert client.get("/api/v1/reservations").status_code == 401


def test_unknown_machine_is_404(login_as, member, open_lab, frozen):
    response = login_as(member).post(
        "/api/v1/reservations", json={"machine_id": 999, "start": TUESDAY_10, "end": TUESDAY_11}
    )
    assert response.status_code == 404


def test_members_list_only_their_own_bookings(login_as, member, make_user, printer, frozen):
    other = make_user()
    post_booking(login_as(other), printer)
    post_booking(
        login_as(member), printer, "2027-03-02T14:00:00+01:00", "2027-03-02T15:00:00+01:00"
    )

    mine = login_as(member).get("/api/v1/reservations").get_json()

    assert [r["user_id"] for r in mine] == [member.id]


def test_company_contact_sees_the_companys_bookings(
    login_as, make_user, make_company, printer, frozen
):
    company = make_company()
    contact = make_user(company=company, is_company_contact=True)
    employee = make_user(company=company)
    outsider = make_user()
    assert post_booking(login_as(employee), printer, on_company_account=True).status_code == 201
    post_booking(
        login_as(outsider), printer, "2027-03-02T14:00:00+01:00", "2027-03-02T15:00:00+01:00"
    )

    seen = login_as(contact).get("/api/v1/reservations").get_json()

    assert [(r["user_id"], r["company_id"]) for r in seen] == [(employee.id, company.id)]


def test_manager_lists_all_with_filters(login_as, member, manager, make_user, printer, frozen):
    other = make_user()
    post_booking(login_as(other), printer)
    post_booking(
        login_as(member), printer, "2027-03-02T14:00:00+01:00", "2027-03-02T15:00:00+01:00"
    )
    client = login_as(manager)

    assert len(client.get("/api/v1/reservations").get_json()) == 2
    by_user = client.get(f"/api/v1/reservations?user_id={member.id}").get_json()
    assert [r["user_id"] for r in by_user] == [member.id]
    window = client.get(
        "/api/v1/reservations?start=2027-03-02T13:00:00%2B01:00&end=2027-03-02T18:00:00%2B01:00"
    ).get_json()
    assert [r["user_id"] for r in window] == [member.id]
    assert client.get("/api/v1/reservations?status=cancelled").get_json() == []
    assert client.get("/api/v1/reservations?status=bogus").status_code == 422


def test_manager_books_for_someone_and_members_cannot(
    login_as, member, manager, make_user, printer, frozen
):
    other = make_user()
    assert post_booking(login_as(member), printer, user_id=other.id).status_code == 403

    response = post_booking(login_as(manager), printer, user_id=member.id)

    assert response.status_code == 201
    assert response.get_json()["user_id"] == member.id


def test_availability_shows_busy_blocks_without_names(login_as, member, make_user, printer, frozen):
    other = make_user(name="Secret Person")
    post_booking(login_as(other), printer)
    post_booking(
        login_as(member), printer, "2027-03-02T14:00:00+01:00", "2027-03-02T15:00:00+01:00"
    )

    response = login_as(member).get(
        f"/api/v1/machines/{printer.id}/availability"
        "?start=2027-03-02T00:00:00%2B01:00&end=2027-03-03T00:00:00%2B01:00"
    )

    assert response.status_code == 200
    body = response.get_json()
    assert "Secret Person" not in response.get_data(as_text=True)
    assert [(b["start"][:16], b["mine"]) for b in body["busy"]] == [
        ("2027-03-02T09:00", False),
        ("2027-03-02T13:00", True),
    ]
    assert [(b["start"][11:16], b["end"][11:16]) for b in body["bookable"]] == [
        ("07:00", "09:00"),
        ("10:00", "13:00"),
        ("14:00", "19:00"),
    ]


def test_availability_refuses_bad_ranges(client, printer):
    url = f"/api/v1/machines/{printer.id}/availability"
    assert client.get(url).status_code == 422
    assert client.get(url + "?start=2027-03-02T00:00:00&end=2027-03-03T00:00:00").status_code == 422
    reversed_range = "?start=2027-03-03T00:00:00%2B01:00&end=2027-03-02T00:00:00%2B01:00"
    assert client.get(url + reversed_range).status_code == 422
    assert client.get("/api/v1/machines/999/availability").status_code == 404


def test_cancel_before_the_deadline(login_as, member, printer, frozen):
    client = login_as(member)
    booking = post_booking(client, printer).get_json()

    response = client.post(f"/api/v1/reservations/{booking['id']}/cancel", json={"reason": "ill"})

    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert client.post(f"/api/v1/reservations/{booking['id']}/cancel").status_code == 409


def test_cancel_after_the_deadline_is_refused_but_a_manager_may(
    login_as, member, manager, printer, frozen
):
    client = login_as(member)
    booking = post_booking(
        client, printer, "2027-03-01T14:00:00+01:00", "2027-03-01T15:00:00+01:00"
    ).get_json()

    refused = client.post(f"/api/v1/reservations/{booking['id']}/cancel")
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "cancellation_too_late"

    forced = login_as(manager).post(
        f"/api/v1/reservations/{booking['id']}/cancel",
        json={"reason": "machine broken", "override_deadline": True},
    )
    assert forced.status_code == 200
    assert forced.get_json()["cancel_reason"] == "machine broken"


def test_others_cannot_cancel_my_booking(login_as, member, make_user, printer, frozen):
    booking = post_booking(login_as(member), printer).get_json()

    response = login_as(make_user()).post(f"/api/v1/reservations/{booking['id']}/cancel")

    assert response.status_code == 403
    assert login_as(member).post("/api/v1/reservations/999/cancel").status_code == 404


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert "post" in paths["/api/v1/reservations"]
    assert "get" in paths["/api/v1/reservations"]
    assert "post" in paths["/api/v1/reservations/{reservation_id}/cancel"]
    assert "get" in paths["/api/v1/machines/{machine_id}/availability"]
