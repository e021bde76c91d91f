"""Machines: public pages, the manager's editor, photos, retirement."""

from __future__ import annotations

import io
import os

import pytest
import sqlalchemy as sa

from fablab.machines.models import Machine, MachineStatus

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def machine_form(**overrides) -> dict:
    data = {
        "name": "Ultimaker S5",
        "kind": "3d_printer",
        "status": "available",
        "description": "Big printer",
        "location": "Atelier 3D",
        "rate_member_cents": "3,50",
        "rate_public_cents": "5.00",
        "rate_reduced_cents": "2",
        "rate_company_cents": "12.5",
        "billing_increment_minutes": "15",
        "consumable_unit": "gram",
        "consumable_rate_cents": "0.06",
        "required_qualification": "0",
        "purchase_cost_cents": "4 500,00",
        "purchase_date": "2024-05-02",
        "lifetime_hours": "8000",
        "monthly_maintenance_cents": "25",
        "max_duration_minutes": "600",
    }
    data.update(overrides)
    return data


def machine_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Machine.id)))


def uploaded_files(app) -> list[str]:
    return [n for n in os.listdir(app.config["UPLOAD_FOLDER"]) if n.startswith("machine-")]


# --- public pages -----------------------------------------------------------------------------


def test_anyone_sees_the_machine_list_with_status_badges(client, make_machine):
    make_machine(name="Prusa", kind="3d_printer")
    make_machine(name="Trotec", kind="laser_cutter", status="maintenance")
    make_machine(name="Old laser", kind="laser_cutter", status="retired")

    page = client.get("/machines").get_data(as_text=True)

    assert "Prusa" in page and "Trotec" in page
    assert "Old laser" not in page
    assert 'class="badge maintenance"' in page


def test_the_list_filters_by_kind(client, make_machine):
    make_machine(name="Prusa", kind="3d_printer")
    make_machine(name="Trotec", kind="laser_cutter")

    page = client.get("/machines?kind=laser_cutter").get_data(as_text=True)

    assert "Trotec" in page and "Prusa" not in page


def test_anyone_sees_prices_but_not_the_investment(client, make_machine):
    machine = make_machine(
        name="Trotec", rate_public_cents=2500, purchase_cost_cents=1_800_000, buffer_minutes=15
    )
    client.get("/language", headers={"Accept-Language": "en"})

    page = client.get(f"/machines/{machine.id}", headers={"Accept-Language": "en"})

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "€25.00" in text
    assert "18,000" not in text and "Purchase cost" not in text


def test_a_manager_sees_the_investment(login_as, manager, make_machine):
    machine = make_machine(purchase_cost_cents=1_800_000)

    text = login_as(manager).get(f"/machines/{machine.id}").get_data(as_text=True)

    assert "18,000.00" in text or "18\u202f000,00" in text or "18 000,00" in text


def test_a_retired_machine_page_is_hidden_from_the_public(client, make_machine):
    machine = make_machine(status="retired")

    assert client.get(f"/machines/{machine.id}").status_code == 404
    assert client.get("/machines/99999").status_code == 404


# --- access -----------------------------------------------------------------------------------

MANAGER_PAGES = [
    ("get", "/machines/new"),
    ("post", "/machines/new"),
    ("get", "/settings"),
    ("post", "/settings"),
    ("get", "/settings/hours"),
    ("get", "/qualifications"),
    ("get", "/qualifications/new"),
    ("get", "/closures"),
]


@pytest.mark.parametrize(("method", "url"), MANAGER_PAGES)
def test_a_member_gets_403_on_manager_pages(login_as, member, method, url):
    response = getattr(login_as(member), method)(url)

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url"), MANAGER_PAGES)
def test_an_anonymous_visitor_is_sent_to_login(client, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_member_cannot_edit_or_retire_a_machine(login_as, member, make_machine, db):
    machine = make_machine()
    client = login_as(member)

    assert client.post(f"/machines/{machine.id}/edit", data=machine_form()).status_code == 403
    assert client.post(f"/machines/{machine.id}/retire").status_code == 403
    db.session.refresh(machine)
    assert machine.status == "available"


# --- creation and validation ------------------------------------------------------------------


def test_a_manager_creates_a_machine_with_rates_in_cents(login_as, manager, db):
    response = login_as(manager).post("/machines/new", data=machine_form())

    assert response.status_code == 302
    machine = db.session.scalar(sa.select(Machine).where(Machine.name == "Ultimaker S5"))
    assert machine.rate_member_cents == 350
    assert machine.rate_public_cents == 500
    assert machine.rate_reduced_cents == 200
    assert machine.rate_company_cents == 1250
    assert machine.consumable_rate_cents == 6
    assert machine.purchase_cost_cents == 450_000
    assert machine.monthly_maintenance_cents == 2500
    assert machine.max_duration_minutes == 600
    assert machine.min_duration_minutes is None  # blank: the lab's default
    assert machine.required_qualification is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("rate_public_cents", "-1", "cannot be negative"),
        ("rate_member_cents", "abc", "at most two decimals"),
        ("rate_member_cents", "3.555", "at most two decimals"),
        ("billing_increment_minutes", "0", "Number must be"),
        ("billing_increment_minutes", "", "This field is required."),
        ("kind", "spaceship", "Not a valid choice"),
        ("status", "broken", "Not a valid choice"),
        ("min_duration_minutes", "-5", "Number must be"),
    ],
)
def test_an_invalid_machine_is_refused_beside_the_field(
    login_as, manager, db, field, value, message
):
    response = login_as(manager).post(
        "/machines/new", data=machine_form(**{field: value}), headers={"Accept-Language": "en"}
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in text
    assert f'id="{field}-error"' in text
    assert machine_count(db) == 0


def test_a_duplicate_name_is_refused(login_as, manager, make_machine, db):
    make_machine(name="Ultimaker S5")

    response = login_as(manager).post(
        "/machines/new", data=machine_form(), headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert "Another machine already has this name." in response.get_data(as_text=True)
    assert machine_count(db) == 1


def test_a_longest_booking_shorter_than_the_shortest_is_refused(login_as, manager, db):
    data = machine_form(min_duration_minutes="60", max_duration_minutes="30")

    response = login_as(manager).post("/machines/new", data=data)

    assert response.status_code == 422
    assert machine_count(db) == 0


def test_a_manager_edits_a_machine_and_requires_a_qualification(login_as, manager, db):
    from fablab.machines.models import Qualification

    laser = Qualification(name="Laser safety")
    db.session.add(laser)
    db.session.commit()
    client = login_as(manager)
    client.post("/machines/new", data=machine_form())
    machine = db.session.scalar(sa.select(Machine))

    response = client.post(
        f"/machines/{machine.id}/edit",
        data=machine_form(name="Ultimaker S5+", required_qualification=str(laser.id)),
    )

    assert response.status_code == 302
    db.session.refresh(machine)
    assert machine.name == "Ultimaker S5+"
    assert machine.required_qualification == laser
    english = client.get(f"/machines/{machine.id}/edit")
    client.post("/language", data={"locale": "fr"})
    french = client.get(f"/machines/{machine.id}/edit")
    assert 'value="3.50"' in english.get_data(as_text=True)
    assert 'value="3,50"' in french.get_data(as_text=True)


# --- photos -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "extension"), [(PNG, "png"), (JPEG, "jpg"), (WEBP, "webp")])
def test_a_photo_is_stored_under_a_random_name_and_served(
    login_as, manager, db, app, content, extension
):
    client = login_as(manager)
    data = machine_form(photo=(io.BytesIO(content), "../../evil.php"))

    response = client.post("/machines/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 302
    machine = db.session.scalar(sa.select(Machine))
    assert machine.photo_filename.endswith("." + extension)
    assert "evil" not in machine.photo_filename
    served = client.get(f"/machines/photos/{machine.photo_filename}")
    assert served.status_code == 200 and served.data == content
    served.close()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(login_as, manager, db, app):
    before = uploaded_files(app)
    data = machine_form(photo=(io.BytesIO(b"<?php echo 'hi'; ?>"), "photo.png"))

    response = login_as(manager).post(
        "/machines/new",
        data=data,
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert "JPEG, PNG or WebP" in response.get_data(as_text=True)
    assert machine_count(db) == 0
    assert uploaded_files(app) == before


def test_a_photo_over_8_mb_is_refused(login_as, manager, db, app):
    before = uploaded_files(app)
    big = PNG + b"\x00" * (8 * 1024 * 1024)

    response = login_as(manager).post(
        "/machines/new",
        data=machine_form(photo=(io.BytesIO(big), "big.png")),
        content_type="multipart/form-data",
    )

    assert response.status_code in (413, 422)
    assert machine_count(db) == 0
    assert uploaded_files(app) == before


def test_replacing_a_photo_removes_the_old_file(login_as, manager, db, app):
    client = login_as(manager)
    client.post(
        "/machines/new",
        data=machine_form(photo=(io.BytesIO(PNG), "a.png")),
        content_type="multipart/form-data",
    )
    machine = db.session.scalar(sa.select(Machine))
    old = machine.photo_filename

    client.post(
        f"/machines/{machine.id}/edit",
        data=machine_form(photo=(io.BytesIO(JPEG), "b.jpg")),
        content_type="multipart/form-data",
    )

    db.session.refresh(machine)
    assert machine.photo_filename.endswith(".jpg")
    assert old not in uploaded_files(app)
    assert machine.photo_filename in uploaded_files(app)


def test_a_missing_photo_is_404(client):
    assert client.get("/machines/photos/nothing.png").status_code == 404
    assert client.get("/machines/photos/../config.py").status_code == 404


# --- retire and delete ------------------------------------------------------------------------


def test_a_manager_retires_a_machine(login_as, manager, make_machine, db):
    machine = make_machine()

    response = login_as(manager).post(f"/machines/{machine.id}/retire")

    assert response.status_code == 302
    db.session.refresh(machine)
    assert machine.status == MachineStatus.RETIRED


def test_a_machine_without_reservations_can_be_deleted(login_as, manager, make_machine, db):
    machine = make_machine()

    login_as(manager).post(f"/machines/{machine.id}/delete")

    assert machine_count(db) == 0


def test_a_machine_with_reservations_cannot_be_deleted(login_as, manager, member, make_machine, db):
    from datetime import UTC, datetime, timedelta

    from fablab.bookings.models import Reservation

    machine = make_machine()
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    db.session.add(
        Reservation(
            machine=machine,
            user=member,
            start_at=start,
            end_at=start + timedelta(hours=1),
            blocked_until=start + timedelta(hours=1),
            status="confirmed",
        )
    )
    db.session.commit()

    response = login_as(manager).post(f"/machines/{machine.id}/delete", follow_redirects=True)

    assert "retire it instead" in response.get_data(as_text=True)
    assert machine_count(db) == 1


def test_the_machine_pages_speak_french_and_english(client, make_machine):
    machine = make_machine(name="Prusa", kind="3d_printer", rate_public_cents=550)

    french = client.get(f"/machines/{machine.id}", headers={"Accept-Language": "fr"})
    english = client.get(f"/machines/{machine.id}", headers={"Accept-Language": "en"})

    assert "Imprimante 3D" in french.get_data(as_text=True)
    assert "5,50\u00a0€" in french.get_data(as_text=True)
    assert "Tarifs" in french.get_data(as_text=True)
    assert "3D printer" in english.get_data(as_text=True)
    assert "Prices" in english.get_data(as_text=True)


def test_two_managers_creating_the_same_name_at_once_get_one_machine(app, manager, db):
    import threading

    barrier = threading.Barrier(4)
    statuses = []
    manager_id = manager.get_id()
    db.session.commit()  # on SQLite an open transaction holds the write lock

    def create():
        # Each thread has its own app context, hence its own session and connection.
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = manager_id
            barrier.wait()
            statuses.append(client.post("/machines/new", data=machine_form()).status_code)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [302, 422, 422, 422]
    db.session.rollback()  # end the test's read snapshot
    assert machine_count(db) == 1


def test_the_machine_list_shows_opening_hours_and_closures(client, lab_settings, db):
    from datetime import UTC, datetime, time

    from fablab.machines.lab import set_opening_hours
    from fablab.machines.services import add_closure

    set_opening_hours(week={3: [(time(10), time(21))]})
    add_closure(
        title="Inventaire",
        start_at=datetime(2090, 3, 1, tzinfo=UTC),
        end_at=datetime(2090, 3, 2, tzinfo=UTC),
    )
    db.session.commit()

    page = client.get("/machines", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert "Thursday" in page and "10:00–21:00" in page
    assert "Inventaire" in page


def test_only_machine_photos_are_served_from_the_upload_folder(client, app):
    with open(os.path.join(app.config["UPLOAD_FOLDER"], "invoice-2030-0001.pdf"), "wb") as f:
        f.write(b"%PDF-1.4 secret")

    assert client.get("/machines/photos/invoice-2030-0001.pdf").status_code == 404
