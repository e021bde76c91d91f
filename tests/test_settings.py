"""Lab settings and opening hours, as a manager edits them."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from fablab.machines.lab import SettingsError, parse_intervals, set_opening_hours
from fablab.machines.models import LabSettings, OpeningHours

EN = {"Accept-Language": "en"}


def settings_form(**overrides) -> dict:
    data = {
        "name": "Fab Lab Lyon",
        "legal_name": "Association Fab Lab Lyon",
        "siret": "123 456 789 00011",
        "vat_number": "FR32123456789",
        "address": "1 rue du Lab\n69001 Lyon",
        "email": "Contact@FabLab.example.org",
        "phone": "+33 4 00 00 00 00",
        "timezone": "Europe/Paris",
        "vat_rate_bp": "5,5",
        "no_show_after_minutes": "20",
        "slot_step_minutes": "30",
        "min_duration_minutes": "30",
        "max_duration_minutes": "240",
        "buffer_minutes": "",
    }
    data.update(overrides)
    return data


def stored_settings(db) -> LabSettings:
    db.session.expire_all()
    return db.session.get(LabSettings, 1)


def test_a_manager_saves_the_lab_settings(login_as, manager, lab_settings, db):
    response = login_as(manager).post("/settings", data=settings_form())

    assert response.status_code == 302
    settings = stored_settings(db)
    assert settings.name == "Fab Lab Lyon"
    assert settings.siret == "12345678900011"
    assert settings.email == "contact@fablab.example.org"
    assert settings.vat_rate_bp == 550
    assert settings.no_show_after_minutes == 20
    assert settings.max_duration_minutes == 240
    assert settings.buffer_minutes is None


def test_the_settings_page_shows_the_vat_as_a_percentage(login_as, manager, lab_settings):
    page = login_as(manager).get("/settings", headers=EN).get_data(as_text=True)

    assert 'value="20.00"' in page
    assert 'value="Europe/Paris"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Europe/Atlantis", "Unknown time zone"),
        ("timezone", "../../etc/passwd", "Unknown time zone"),
        ("vat_rate_bp", "120", "between 0 and 100"),
        ("vat_rate_bp", "-1", "between 0 and 100"),
        ("vat_rate_bp", "20.123", "at most two decimals"),
        ("siret", "1234", "14 digits"),
        ("name", "", "This field is required."),
        ("email", "not-an-email", "Invalid email address."),
        ("no_show_after_minutes", "-3", "Number must be"),
        ("slot_step_minutes", "0", "Number must be"),
    ],
)
def test_bad_settings_are_refused_beside_the_field(
    login_as, manager, lab_settings, db, field, value, message
):
    response = login_as(manager).post("/settings", data=settings_form(**{field: value}), headers=EN)

    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in text
    assert f'id="{field}-error"' in text
    assert stored_settings(db).name == "Fab Lab"


def test_a_shorter_longest_booking_than_the_shortest_is_refused(login_as, manager, lab_settings):
    response = login_as(manager).post(
        "/settings", data=settings_form(min_duration_minutes="60", max_duration_minutes="30")
    )

    assert response.status_code == 422


# --- opening hours ----------------------------------------------------------------------------


def hours(db) -> list[tuple[int, time, time]]:
    rows = db.session.scalars(
        sa.select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens_at)
    )
    return [(r.weekday, r.opens_at, r.closes_at) for r in rows]


def test_a_manager_sets_several_intervals_a_day(login_as, manager, db):
    response = login_as(manager).post(
        "/settings/hours",
        data={"day_1": "14:00-19:00, 10:00-12:30", "day_3": "10h00–21h00", "day_6": ""},
    )

    assert response.status_code == 302
    assert hours(db) == [
        (1, time(10), time(12, 30)),
        (1, time(14), time(19)),
        (3, time(10), time(21)),
    ]


def test_the_hours_page_shows_the_current_intervals(login_as, manager, db):
    set_opening_hours(week={2: [(time(9), time(12)), (time(13), time(17))]})
    db.session.commit()

    page = login_as(manager).get("/settings/hours").get_data(as_text=True)

    assert 'value="09:00-12:00, 13:00-17:00"' in page


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10:00-12:00, 11:00-14:00", "overlap"),
        ("19:00-10:00", "closes before it opens"),
        ("10:00-10:00", "closes before it opens"),
        ("ten to noon", "Write intervals as"),
        ("25:00-26:00", "not a valid time"),
    ],
)
def test_bad_opening_hours_are_refused_and_nothing_changes(login_as, manager, db, text, message):
    set_opening_hours(week={0: [(time(9), time(17))]})
    db.session.commit()

    response = login_as(manager).post(
        "/settings/hours", data={"day_0": text, "day_1": "10:00-12:00"}, headers=EN
    )

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'id="day_0-error"' in response.get_data(as_text=True)
    assert hours(db) == [(0, time(9), time(17))]


def test_touching_intervals_are_allowed():
    assert parse_intervals("10:00-12:00, 12:00-14:00") == [
        (time(10), time(12)),
        (time(12), time(14)),
    ]


def test_the_service_refuses_overlaps_too(app, db):
    with app.test_request_context(), pytest.raises(SettingsError):
        set_opening_hours(week={4: [(time(10), time(15)), (time(14), time(18))]})
