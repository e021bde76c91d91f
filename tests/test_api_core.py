"""The API foundation: Bearer tokens, /me, /machines, errors and the OpenAPI document."""

from __future__ import annotations

import pytest

from fablab.accounts.tokens import create_api_token, revoke_api_token


@pytest.fixture
def token_for(db):
    def _make(user) -> str:
        _, secret = create_api_token(user=user, name="test")
        db.session.commit()
        return secret

    return _make


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]


# --- /me --------------------------------------------------------------------------------------


def test_me_answers_who_holds_the_token(client, member, token_for):
    response = client.get("/api/v1/me", headers=bearer(token_for(member)))

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == member.id
    assert body["email"] == "member@example.org"
    assert body["name"] == "Alex Member"
    assert body["role"] == "member"
    assert body["company"] is None
    assert "calendar_url" in body


def test_me_names_the_company_of_an_employee(client, make_user, make_company, token_for):
    company = make_company(legal_name="Demo Industries")
    employee = make_user(company=company)

    body = client.get("/api/v1/me", headers=bearer(token_for(employee))).get_json()

    assert body["company"] == {"id": company.id, "legal_name": "Demo Industries"}


def test_me_works_with_the_session_cookie(login_as, manager):
    body = login_as(manager).get("/api/v1/me").get_json()

    assert body["role"] == "manager"


def test_me_without_a_token_is_401(client):
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer fl_not-a-real-token", "Bearer ", "Basic abc"])
def test_me_with_a_bad_token_is_401(client, header):
    assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorized")


def test_a_revoked_token_is_401(client, member, db):
    token, secret = create_api_token(user=member)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200

    revoke_api_token(token=token)
    db.session.commit()

    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "unauthorized")


def test_a_deactivated_users_token_is_401(client, member, token_for, db):
    secret = token_for(member)
    member.active = False
    db.session.commit()

    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "unauthorized")


# --- /machines --------------------------------------------------------------------------------


def test_machines_lists_bookable_and_maintenance_machines_not_retired(client, make_machine):
    make_machine(name="Prusa", kind="3d_printer", rate_company_cents=1200)
    make_machine(name="Trotec", kind="laser_cutter", status="maintenance")
    make_machine(name="Old", kind="other", status="retired")

    body = client.get("/api/v1/machines").get_json()

    assert [m["name"] for m in body] == ["Prusa", "Trotec"]
    prusa = body[0]
    assert prusa["kind"] == "3d_printer" and prusa["status"] == "available"
    assert prusa["hourly_rates_cents"]["company"] == 1200
    assert prusa["billing_increment_minutes"] == 15
    assert prusa["url"].endswith(f"/machines/{prusa['id']}")


def test_machines_filter_by_kind(client, make_machine):
    make_machine(name="Prusa", kind="3d_printer")
    make_machine(name="Trotec", kind="laser_cutter")

    body = client.get("/api/v1/machines?kind=laser_cutter").get_json()

    assert [m["name"] for m in body] == ["Trotec"]


def test_an_unknown_kind_is_422(client):
    assert_error(client.get("/api/v1/machines?kind=spaceship"), 422, "invalid")


def test_one_machine_and_a_missing_one(client, make_machine):
    machine = make_machine(name="Prusa")

    assert client.get(f"/api/v1/machines/{machine.id}").get_json()["name"] == "Prusa"
    assert_error(client.get("/api/v1/machines/999999"), 404, "not_found")


def test_an_unknown_api_path_is_a_json_404(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(client):
    assert_error(client.delete("/api/v1/machines"), 405, "method_not_allowed")


# --- OpenAPI ----------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_lists_the_foundation(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "get" in paths["/api/v1/me"]
    assert "get" in paths["/api/v1/machines"]
    assert "/api/v1/machines/{machine_id}" in paths
    try:
        from openapi_spec_validator import OpenAPIV30SpecValidator
    except ImportError:  # pragma: no cover - the dev requirements install it
        pytest.skip("openapi-spec-validator is not installed")
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
        for error in OpenAPIV30SpecValidator(document).iter_errors()
    ]
    assert errors == []


def test_the_openapi_document_describes_me_and_machines(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    assert {"id", "email", "name", "role", "company", "calendar_url"} <= set(
        schemas["Me"]["properties"]
    )
    assert "3d_printer" in schemas["Machine"]["properties"]["kind"]["enum"]
    me = document["paths"]["/api/v1/me"]["get"]
    assert "401" in me["responses"]


# --- /lab -------------------------------------------------------------------------------------


def test_lab_gives_the_opening_hours_and_coming_closures(client, lab_settings, db):
    from datetime import UTC, datetime, time

    from fablab.machines.lab import set_opening_hours
    from fablab.machines.services import add_closure

    set_opening_hours(week={1: [(time(10), time(12, 30)), (time(14), time(19))]})
    add_closure(
        title="Old",
        start_at=datetime(2001, 1, 1, tzinfo=UTC),
        end_at=datetime(2001, 1, 2, tzinfo=UTC),
    )
    add_closure(
        title="Summer",
        start_at=datetime(2090, 8, 1, tzinfo=UTC),
        end_at=datetime(2090, 8, 15, tzinfo=UTC),
    )
    db.session.commit()

    body = client.get("/api/v1/lab").get_json()

    assert body["timezone"] == "Europe/Paris" and body["vat_rate_bp"] == 2000
    assert body["opening_hours"] == [
        {"weekday": 1, "opens_at": "10:00", "closes_at": "12:30"},
        {"weekday": 1, "opens_at": "14:00", "closes_at": "19:00"},
    ]
    assert [c["title"] for c in body["closures"]] == ["Summer"]
    assert body["closures"][0]["start"].startswith("2090-08-01T00:00:00")
    assert body["closures"][0]["machine_id"] is None
