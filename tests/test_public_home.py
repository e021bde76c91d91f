"""The shop window: what a visitor sees on the home page and in the embeddable widget."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fablab.transaction import commit
from tests.bookings_fixtures import NOW, book, frozen, open_lab, paris, printer  # noqa: F401


@pytest.fixture
def busy_lab(db, frozen, make_machine, printer, member, book, manager):  # noqa: F811
    """Three machines at NOW: one booked, one in use (usage session), one free."""
    from fablab.usage.services import start_session

    laser = make_machine(name="Trotec Speedy", kind="laser_cutter")
    mill = make_machine(name="Shaper Origin", kind="cnc_mill")
    yesterday = NOW - timedelta(days=1)
    book(printer, member, paris(2027, 3, 1, 9, 0), paris(2027, 3, 1, 11, 0), now=yesterday)
    start_session(machine=laser, user=manager, source="manager", at=NOW - timedelta(minutes=5))
    commit()
    return printer, laser, mill


def status_of(html: str, machine_name: str) -> str:
    row = html.split(machine_name, 1)[1].split("</li>", 1)[0]
    for label in ("Booked now", "In use", "Free", "Maintenance", "Lab closed"):
        if label in row:
            return label
    raise AssertionError(f"no status for {machine_name}")


def test_a_visitor_sees_each_machine_live_and_never_who(client, busy_lab, frozen):  # noqa: F811
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert status_of(html, "Prusa MK4") == "Booked now"
    assert status_of(html, "Trotec Speedy") == "In use"
    assert status_of(html, "Shaper Origin") == "Free"
    assert "Alex Member" not in html and "member@example.org" not in html
    assert "Camille Manager" not in html
    assert "Today (Monday):" in html and "08:00–20:00" in html


def test_the_home_page_speaks_french(client, busy_lab, frozen):  # noqa: F811
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Réservée en ce moment" in html and "En cours d’utilisation" in html
    assert "Libre" in html and "Aujourd’hui (Lundi)" in html


def test_a_logged_in_member_keeps_the_way_to_book(client, login_as, member, busy_lab, frozen):  # noqa: F811
    login_as(member)
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/book" in html and "/bookings/mine" in html


def test_the_widget_page_and_json_show_status_and_events(client, busy_lab, frozen):  # noqa: F811
    page = client.get("/widget", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Booked now" in html and "<script" not in html and "onload" not in html
    data = client.get("/widget.json").get_json()
    statuses = {m["name"]: m["status"] for m in data["machines"]}
    assert statuses == {"Prusa MK4": "booked", "Trotec Speedy": "in_use", "Shaper Origin": "free"}
    assert "Alex" not in str(data)
    assert client.get("/widget.json").headers["Access-Control-Allow-Origin"] == "*"


def test_next_public_events_are_listed(client, db, busy_lab, frozen):  # noqa: F811
    from fablab.events.models import Event

    db.session.add(
        Event(
            kind="discovery_day",
            title_fr="Journée découverte",
            title_en="Discovery day",
            start_at=NOW + timedelta(days=3),
            end_at=NOW + timedelta(days=3, hours=3),
            capacity=12,
            status="published",
        )
    )
    db.session.commit()
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Discovery day" in html
    assert "Discovery day" in client.get("/widget", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
