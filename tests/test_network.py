"""The regional hub in one process: member labs, bounded fetches, figures, events, finder."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.accounts.models import User
from fablab.machines.zone import lab_zone
from fablab.network.jobs import refresh_now as refresh_labs
from fablab.network.models import NetworkLab
from fablab.network.regional import regional_figures
from fablab.network.services import add_lab
from fablab.seed import seed_demo
from fablab.timeutil import utcnow
from fablab.transaction import commit
from tests.network_fakes import FakeLab


@pytest.fixture
def demo_hub(app, db, live_server, monkeypatch):
    """The demo lab, published, served on loopback and member of its own hub."""
    monkeypatch.setitem(app.config, "FABLAB_BASE_URL", live_server)
    with app.test_request_context():
        seed_demo()
        commit()
    return live_server


@pytest.fixture
def fake_lab(demo_hub, client):
    """A second lab that starts as a copy of the demo lab's documents, on its own origin."""
    lab = FakeLab()
    for path in ("/open-data/v1/", "/open-data/v1/lab.json", "/open-data/v1/activity.json"):
        lab.serve(path, client.get(path).text.replace(demo_hub, lab.url))
    lab.serve(
        "/calendar/events.ics",
        client.get("/calendar/events.ics").data,
        content_type="text/calendar",
    )
    yield lab
    lab.stop()


def member(url: str) -> NetworkLab:
    lab = add_lab(url=url)
    commit()
    return lab


def test_the_cli_adds_a_lab_and_fetches_it(app, db, demo_hub):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["network", "add-lab", f"{demo_hub}/open-data/v1/"])
    assert result.exit_code == 0, result.output
    assert "[ok]" in result.output and "Fab Lab Démo" in result.output
    again = runner.invoke(args=["network", "add-lab", f"{demo_hub}/open-data/v1/"])
    assert again.exit_code != 0 and "déjà membre" in again.output
    refused = runner.invoke(args=["network", "add-lab", "ftp://example.org/"])
    assert refused.exit_code != 0


def test_regional_figures_are_the_labs_own_published_figures(client, db, demo_hub, fake_lab):
    labs = [member(f"{demo_hub}/open-data/v1/"), member(f"{fake_lab.url}/open-data/v1/")]
    assert refresh_labs() == {"ok": 2, "error": 0}
    commit()
    own = client.get("/open-data/v1/activity.json").get_json()
    region = regional_figures()
    for month in own["months"]:
        hours = sum(month["hours_booked"].values())
        assert float(region.months[month["month"]]["hours_booked"]) == pytest.approx(2 * hours)
    assert len(region.labs) == 2 and all(lab.state == "ok" for lab in labs)
    page = client.get("/network", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Fab Lab Démo" in page.text


def test_a_broken_lab_is_reported_and_its_last_good_copy_kept(
    client, db, demo_hub, fake_lab, login_as
):
    lab = member(f"{fake_lab.url}/open-data/v1/")
    refresh_labs()
    commit()
    before = regional_figures().totals
    fake_lab.serve("/open-data/v1/activity.json", '{"months": [ not json')
    refresh_labs()
    commit()
    assert lab.state == "error" and "activity: malformed JSON" in lab.last_error
    assert regional_figures().totals == before
    fake_lab.serve("/open-data/v1/activity.json", json.dumps({"months": "nope"}))
    refresh_labs()
    commit()
    assert "does not match the activity schema" in lab.last_error
    login_as(db.session.scalar(sa.select(User).where(User.email == "manager@example.org")))
    status = client.get("/network/manage", headers={"Accept-Language": "en"}).text
    assert "En échec" in status and "does not match the activity schema" in status


def test_a_down_slow_or_huge_lab_never_breaks_the_hub(app, db, demo_hub, fake_lab, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    down = member(f"http://127.0.0.1:{closed_port}/open-data/v1/")
    good = member(f"{demo_hub}/open-data/v1/")
    slow = FakeLab()
    slow.serve("/open-data/v1/", "{}", delay=2)
    slow_lab = member(f"{slow.url}/open-data/v1/")
    huge = FakeLab()
    huge.serve("/open-data/v1/", "[" + "1," * 400_000 + "1]")
    huge_lab = member(f"{huge.url}/open-data/v1/")
    monkeypatch.setitem(app.config, "NETWORK_FETCH_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "NETWORK_MAX_BYTES", 100_000)
    try:
        counts = refresh_labs()
    finally:
        slow.stop()
        huge.stop()
    commit()
    assert counts == {"ok": 1, "error": 3} and good.state == "ok"
    assert "unreachable" in down.last_error
    assert "within 0.5 s" in slow_lab.last_error
    assert "larger than 100000 bytes" in huge_lab.last_error


def test_a_lab_cannot_send_the_hub_elsewhere(db, fake_lab):
    catalogue = json.loads(fake_lab.routes["/open-data/v1/"][2])
    catalogue["datasets"][0]["formats"][0]["url"] = "http://127.0.0.2:9/secret.json"
    fake_lab.serve("/open-data/v1/", json.dumps(catalogue))
    lab = member(f"{fake_lab.url}/open-data/v1/")
    refresh_labs()
    assert lab.state == "error" and "not on the lab's own site" in lab.last_error


def test_an_unchanged_dataset_is_not_downloaded_again(db, fake_lab):
    member(f"{fake_lab.url}/open-data/v1/")
    refresh_labs()
    commit()
    fake_lab.requests.clear()
    refresh_labs()
    sent = {path: headers.get("If-None-Match") for path, headers in fake_lab.requests}
    assert sent["/open-data/v1/lab.json"] and sent["/open-data/v1/activity.json"]


def test_a_lab_that_stops_publishing_a_dataset_is_forgotten(db, fake_lab):
    lab = member(f"{fake_lab.url}/open-data/v1/")
    refresh_labs()
    commit()
    catalogue = json.loads(fake_lab.routes["/open-data/v1/"][2])
    catalogue["datasets"] = [d for d in catalogue["datasets"] if d["id"] != "activity"]
    fake_lab.serve("/open-data/v1/", json.dumps(catalogue))
    refresh_labs()
    commit()
    assert lab.state == "ok" and lab.document("activity") is None


def test_merged_events_name_their_lab(client, db, demo_hub, fake_lab):
    member(f"{demo_hub}/open-data/v1/")
    member(f"{fake_lab.url}/open-data/v1/")
    refresh_labs()
    commit()
    feed = client.get("/network/events.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.text
    assert text.count("BEGIN:VEVENT") >= 2 and "Fab Lab Démo ·" in text
    uids = [line for line in text.splitlines() if line.startswith("UID:")]
    assert len(uids) == len(set(uids))
    again = client.get("/network/events.ics", headers={"If-None-Match": feed.headers["ETag"]})
    assert again.status_code == 304
    assert "Fab Lab Démo" in client.get("/network/events").text


def test_the_finder_lists_free_slots_with_the_labs_booking_page(client, db, demo_hub):
    member(f"{demo_hub}/open-data/v1/")
    refresh_labs()
    commit()
    day = (utcnow().astimezone(lab_zone()) + timedelta(days=7)).date()
    while day.weekday() != 3:  # "a laser cutter free on Thursday afternoon near Lyon"
        day += timedelta(days=1)
    query = {
        "kind": "laser_cutter",
        "day": day.isoformat(),
        "after": "14:00",
        "before": "18:00",
        "minutes": "60",
        "near": "lyon",
    }
    page = client.get("/network/finder", query_string=query, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Découpeuse laser Trotec" in page.text and "/calendar" in page.text
    nowhere = client.get("/network/finder", query_string={**query, "near": "Brest"})
    assert "Découpeuse laser Trotec" not in nowhere.text
    bad = client.get("/network/finder", query_string={**query, "before": "09:00"})
    assert bad.status_code == 422


def test_only_managers_manage_the_network(client, db):
    assert client.get("/network/manage").status_code in (302, 401)
    assert client.post("/network/manage", data={"url": "http://127.0.0.1:1/"}).status_code in (
        302,
        401,
    )
    assert db.session.scalar(sa.select(sa.func.count(NetworkLab.id))) == 0
