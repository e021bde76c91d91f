"""Open data: opt-in per dataset, schemas, ETag and CORS, small counts suppressed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from fablab.public.opendata import update_open_data_settings
from fablab.transaction import commit
from tests.bookings_fixtures import open_lab, paris  # noqa: F401

SCHEMAS = Path(__file__).resolve().parents[1] / "docs" / "open-data" / "v1"
BEFORE = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def validate(document: dict, name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(document)


@pytest.fixture
def published(db, open_lab):  # noqa: F811
    update_open_data_settings(
        publish_lab=True, publish_activity=True, publish_events=True, city="Lyon"
    )
    commit()


def test_nothing_is_published_until_the_manager_opts_in(client, login_as, manager, member, db):
    assert client.get("/open-data/v1/").get_json()["datasets"] == []
    refused = client.get("/open-data/v1/lab.json")
    assert refused.status_code == 404 and refused.get_json()["error"] == "not_published"
    assert client.get("/open-data/v1/activity.csv").status_code == 404

    login_as(member)
    assert client.post("/manage/open-data", data={"publish_lab": "y"}).status_code == 403
    login_as(manager)
    saved = client.post(
        "/manage/open-data", data={"publish_lab": "y", "suppression_threshold": "5"}
    )
    assert saved.status_code == 302
    assert [d["id"] for d in client.get("/open-data/v1/").get_json()["datasets"]] == ["lab"]
    assert client.get("/open-data/v1/lab.json").status_code == 200
    assert client.get("/open-data/v1/activity.json").status_code == 404


def test_a_bad_threshold_is_refused_beside_the_field(client, login_as, manager):
    login_as(manager)
    page = client.post("/manage/open-data", data={"publish_lab": "y", "suppression_threshold": "0"})
    assert page.status_code == 422
    assert client.get("/open-data/v1/").get_json()["datasets"] == []


def test_every_document_matches_its_schema(client, published, make_machine):
    make_machine(name="Trotec", kind="laser_cutter")
    catalogue = client.get("/open-data/v1/").get_json()
    validate(catalogue, "catalogue")
    validate(client.get("/open-data/v1/lab.json").get_json(), "lab")
    validate(client.get("/open-data/v1/activity.json").get_json(), "activity")
    for dataset in catalogue["datasets"]:
        if "schema_url" in dataset:
            path = dataset["schema_url"].split("localhost", 1)[1]
            assert client.get(path).get_json()["$id"].endswith(Path(path).name)


@pytest.mark.parametrize(
    "path",
    [
        "/open-data/v1/",
        "/open-data/v1/lab.json",
        "/open-data/v1/activity.json",
        "/open-data/v1/activity.csv",
    ],
)
def test_datasets_answer_304_to_their_etag_and_allow_any_origin(client, published, path):
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    preflight = client.options(path, headers={"Origin": "https://example.net"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def _book_people(db, make_user, machine, manager, count: int, day: int, company=None):
    from fablab.bookings.services import create_reservation

    for n in range(count):
        person = make_user(company=company) if company else make_user()
        create_reservation(
            machine=machine,
            user=person,
            start=paris(2026, 10, day, 9 + n, 0),
            end=paris(2026, 10, day, 9 + n, 30),
            by=manager,
            company=company,
            override_rules=True,
            now=BEFORE,
        )
    db.session.commit()


def month(document: dict, key: str) -> dict:
    return next(m for m in document["months"] if m["month"] == key)


def test_small_counts_of_people_are_suppressed_and_large_ones_published(
    client, db, published, make_user, make_machine, make_company, manager
):
    printer = make_machine(name="Prusa", kind="3d_printer")
    _book_people(db, make_user, printer, manager, 3, day=5, company=make_company())
    october = month(client.get("/open-data/v1/activity.json").get_json(), "2026-10")
    assert october["hours_booked"] == {"3d_printer": 1.5}
    assert october["active_members"] is None and october["companies_served"] is None

    _book_people(db, make_user, printer, manager, 2, day=6)
    october = month(client.get("/open-data/v1/activity.json").get_json(), "2026-10")
    assert october["active_members"] == 5 and october["hours_booked"] == {"3d_printer": 2.5}
    assert october["companies_served"] is None  # still one company

    rows = list(csv.DictReader(io.StringIO(client.get("/open-data/v1/activity.csv").text)))
    by_metric = {(r["month"], r["metric"]): r["value"] for r in rows}
    assert by_metric[("2026-10", "active_members")] == "5"
    assert by_metric[("2026-10", "companies_served")] == ""


def test_material_is_summed_by_kind_with_its_recycled_share(
    client, db, published, make_machine, member, manager
):
    from fablab.public.opendata import set_material_profile
    from fablab.usage.services import start_session, stop_session

    printer = make_machine(name="Prusa", kind="3d_printer", consumable_unit="gram")
    set_material_profile(machine=printer, material="PLA", recycled=True, bio_sourced=False)
    session = start_session(
        machine=printer, user=member, source="manager", at=paris(2026, 10, 7, 10, 0)
    )
    stop_session(session=session, at=paris(2026, 10, 7, 12, 0), consumables="250")
    db.session.commit()
    october = month(client.get("/open-data/v1/activity.json").get_json(), "2026-10")
    assert october["material"] == {"PLA": {"kg": 0.25, "circular_kg": 0.25}}
    assert october["hours_used"] == {"3d_printer": 2.0}
    assert october["active_members"] is None


def test_the_manager_names_materials_from_the_settings_page(
    client, login_as, manager, make_machine, published
):
    printer = make_machine(name="Prusa", kind="3d_printer", consumable_unit="gram")
    login_as(manager)
    page = client.get("/manage/open-data")
    assert page.status_code == 200 and "Prusa" in page.text
    client.post(
        "/manage/open-data/materials",
        data={f"m{printer.id}-material": "PETG", f"m{printer.id}-bio_sourced": "y"},
    )
    assert 'value="PETG"' in client.get("/manage/open-data").text


def test_a_person_who_books_and_uses_counts_once(client, db, published, make_machine, member):
    from fablab.bookings.services import create_reservation
    from fablab.usage.services import start_session, stop_session

    update_open_data_settings(suppression_threshold=1)
    printer = make_machine(name="Prusa", kind="3d_printer")
    create_reservation(
        machine=printer,
        user=member,
        start=paris(2026, 10, 8, 10, 0),
        end=paris(2026, 10, 8, 12, 0),
        override_rules=False,
        now=BEFORE,
    )
    session = start_session(
        machine=printer, user=member, source="manager", at=paris(2026, 10, 8, 10, 5)
    )
    stop_session(session=session, at=paris(2026, 10, 8, 11, 35))
    db.session.commit()
    october = month(client.get("/open-data/v1/activity.json").get_json(), "2026-10")
    assert october["active_members"] == 1
    assert october["hours_booked"] == {"3d_printer": 2.0}
    assert october["hours_used"] == {"3d_printer": 1.5}
