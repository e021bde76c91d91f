"""Moonraker (Klipper) and PrusaLink printers are recorded like OctoPrint ones, against
fake servers built from their API documentation; errors are said where people look."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.timeutil import utcnow
from fablab.usage.devices import link_of, save_printer_link
from fablab.usage.jobs import poll_printers
from fablab.usage.models import UsageSession
from tests.fake_printers import (
    MOONRAKER_KEY,
    PRUSALINK_KEY,
    PRUSALINK_PASSWORD,
    PRUSALINK_USER,
    FakeMoonraker,
    FakePrusaLink,
    FakeShelly,
)

# 5 m of 1.75 mm PLA (1.24 g/cm³): 14.91277 g
FIVE_METRES_MG = 14913


def sessions(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(UsageSession).order_by(UsageSession.id)).all()


def fresh_link(db, machine):
    db.session.expire_all()
    return link_of(machine)


@pytest.fixture
def moonraker():
    with FakeMoonraker() as fake:
        fake.upload("voron_cube.gcode", length_mm=5000.0, grams=15.0)
        yield fake


@pytest.fixture
def prusalink():
    with FakePrusaLink() as fake:
        fake.upload("benchy_MK4.bgcode", grams=15.0, length_mm=5000.0)
        yield fake


def _printer(db, make_machine, *, name, kind, url, api_key, username=""):
    machine = make_machine(name=name, consumable_unit="gram", consumable_rate_cents=5)
    link = save_printer_link(
        machine=machine, url=url, api_key=api_key, kind=kind, username=username
    )
    link.created_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return machine


@pytest.fixture
def voron(db, make_machine, moonraker, manager):
    return _printer(
        db,
        make_machine,
        name="Voron 2.4",
        kind="moonraker",
        url=moonraker.url,
        api_key=MOONRAKER_KEY,
    )


@pytest.fixture
def mk4(db, make_machine, prusalink, manager):
    return _printer(
        db,
        make_machine,
        name="Prusa MK4 #3",
        kind="prusalink",
        url=prusalink.url,
        api_key=PRUSALINK_PASSWORD,
        username=PRUSALINK_USER,
    )


def _book(db, machine, user):
    now = utcnow()
    reservation = Reservation(
        machine=machine,
        user=user,
        start_at=now - timedelta(hours=2),
        end_at=now + timedelta(hours=2),
        blocked_until=now + timedelta(hours=2),
        status="confirmed",
    )
    db.session.add(reservation)
    db.session.commit()
    return reservation


# ------------------------------------------------------------------------------ Moonraker
def test_moonraker_booked_print_is_one_session_with_the_filament_it_used(
    db, moonraker, voron, member
):
    booking = _book(db, voron, member)
    moonraker.start("voron_cube.gcode", printed_for=600)
    poll_printers()
    poll_printers()
    [running] = sessions(db)
    assert running.status == "open"
    assert running.source == "moonraker"
    assert running.user_id == member.id
    assert running.reservation_id == booking.id
    assert running.file_name == "voron_cube.gcode"

    moonraker.advance(1800)
    poll_printers()
    moonraker.finish()
    poll_printers()
    poll_printers()

    [done] = sessions(db)
    assert done.id == running.id
    assert done.status == "closed"
    assert done.consumable_quantity_milli == FIVE_METRES_MG  # filament_used: 5000 mm
    assert done.external_id == "moonraker:000001"
    assert fresh_link(db, voron).last_state == "complete"


def test_moonraker_unbooked_print_goes_to_the_lab_account_flagged(db, moonraker, voron, manager):
    moonraker.print_between_polls("voron_cube.gcode", printed_for=300, at=time.time() - 10)
    poll_printers()

    [unbooked] = sessions(db)
    assert unbooked.user_id == manager.id
    assert unbooked.status == "flagged"
    assert "booking" in unbooked.flagged_reason


def test_moonraker_print_between_two_polls_is_recorded_once(db, moonraker, voron, member):
    _book(db, voron, member)
    end = time.time() - 60
    moonraker.print_between_polls("voron_cube.gcode", printed_for=900, at=end)
    poll_printers()
    poll_printers()

    [done] = sessions(db)
    assert done.status == "closed"
    assert done.user_id == member.id
    assert done.ended_at.timestamp() == pytest.approx(end, abs=0.01)
    assert done.ended_at - done.started_at == timedelta(seconds=900)
    assert done.consumable_quantity_milli == FIVE_METRES_MG


def test_moonraker_cancel_at_40_percent_is_charged_for_the_filament_used(
    db, moonraker, voron, member
):
    _book(db, voron, member)
    moonraker.start("voron_cube.gcode", printed_for=600)
    poll_printers()
    moonraker.advance(1440)  # 40 % of the 3600 s file: 2000 mm extruded
    moonraker.cancel()
    poll_printers()

    [cancelled] = sessions(db)
    assert cancelled.status == "closed"
    assert "Cancelled" in cancelled.note
    assert cancelled.consumable_quantity_milli == 5965  # 2 m of 1.75 mm PLA


def test_moonraker_print_stopped_by_an_error_is_charged_and_noted(db, moonraker, voron, member):
    _book(db, voron, member)
    moonraker.start("voron_cube.gcode", printed_for=1800)
    poll_printers()
    moonraker.fail()
    poll_printers()

    [failed] = sessions(db)
    assert failed.status == "closed"
    assert "error" in failed.note
    assert failed.consumable_quantity_milli == 7456  # 2.5 m extruded: 7.45638 g


def test_moonraker_down_mid_print_and_back_loses_and_doubles_nothing(db, moonraker, voron, member):
    _book(db, voron, member)
    moonraker.start("voron_cube.gcode", printed_for=600)
    poll_printers()
    moonraker.go_down()
    report = poll_printers()
    assert len(report.failures) == 1
    [still] = sessions(db)
    assert still.status == "open"
    assert fresh_link(db, voron).last_error == "Cannot reach the printer's server."

    moonraker.finish()
    moonraker.bring_back()
    report = poll_printers()
    poll_printers()

    assert report.failures == []
    [done] = sessions(db)
    assert done.status == "closed"
    assert done.consumable_quantity_milli == FIVE_METRES_MG
    link = fresh_link(db, voron)
    assert link.last_error == ""
    assert link.last_contact_at is not None


def test_moonraker_wrong_key_is_a_clear_error_and_the_poll_exits_non_zero(
    app, db, moonraker, voron
):
    link = fresh_link(db, voron)
    link.api_key = "wrong"
    db.session.commit()
    moonraker.start("voron_cube.gcode", printed_for=60)

    result = app.test_cli_runner().invoke(args=["usage", "poll-printers"])

    assert result.exit_code == 1
    assert "Voron 2.4" in result.output
    assert "refused the API key" in result.output
    assert "401" in result.output
    assert sessions(db) == []


# ------------------------------------------------------------------------------ PrusaLink
def test_prusalink_booked_print_is_one_session_with_the_slicer_grams(db, prusalink, mk4, member):
    booking = _book(db, mk4, member)
    prusalink.start("benchy_MK4.bgcode", printed_for=600)
    poll_printers()
    poll_printers()
    [running] = sessions(db)
    assert running.status == "open"
    assert running.source == "prusalink"
    assert running.user_id == member.id
    assert running.reservation_id == booking.id
    assert running.file_name == "benchy_MK4.bgcode"
    assert abs((utcnow() - running.started_at) - timedelta(seconds=600)) < timedelta(seconds=30)

    prusalink.finish()
    poll_printers()
    prusalink.clear()
    poll_printers()

    [done] = sessions(db)
    assert done.status == "closed"
    assert done.consumable_quantity_milli == 15_000
    assert done.external_id == "prusalink:100"


def test_prusalink_unbooked_print_goes_to_the_lab_account_flagged(db, prusalink, mk4, manager):
    prusalink.start("benchy_MK4.bgcode", printed_for=60)
    poll_printers()
    prusalink.finish()
    poll_printers()

    [unbooked] = sessions(db)
    assert unbooked.user_id == manager.id
    assert unbooked.status == "flagged"
    assert unbooked.consumable_quantity_milli == 15_000


def test_prusalink_print_between_two_polls_is_recorded_once(db, prusalink, mk4, member):
    _book(db, mk4, member)
    prusalink.start("benchy_MK4.bgcode", printed_for=0)
    prusalink.finish()  # the whole print happened between two polls
    poll_printers()
    poll_printers()
    prusalink.clear()
    poll_printers()

    [done] = sessions(db)
    assert done.status == "closed"
    assert done.user_id == member.id
    assert done.ended_at - done.started_at == timedelta(seconds=3600)


def test_prusalink_cancel_at_40_percent_is_charged_its_share(db, prusalink, mk4, member):
    _book(db, mk4, member)
    prusalink.start("benchy_MK4.bgcode", printed_for=600)
    poll_printers()
    prusalink.advance(1440)
    poll_printers()
    prusalink.cancel()
    poll_printers()

    [cancelled] = sessions(db)
    assert cancelled.status == "closed"
    assert "Cancelled" in cancelled.note
    assert cancelled.consumable_quantity_milli == 6_000  # 40 % of 15 g


def test_prusalink_down_mid_print_and_back_loses_and_doubles_nothing(db, prusalink, mk4, member):
    _book(db, mk4, member)
    prusalink.start("benchy_MK4.bgcode", printed_for=600)
    poll_printers()
    prusalink.go_down()
    assert len(poll_printers().failures) == 1
    assert sessions(db)[0].status == "open"

    prusalink.finish()
    prusalink.bring_back()
    poll_printers()
    poll_printers()

    [done] = sessions(db)
    assert done.status == "closed"
    assert done.consumable_quantity_milli == 15_000


def test_prusalink_wrong_password_is_a_clear_error(app, db, prusalink, mk4):
    link = fresh_link(db, mk4)
    link.api_key = "wrong"
    db.session.commit()
    prusalink.start("benchy_MK4.bgcode", printed_for=60)

    result = app.test_cli_runner().invoke(args=["usage", "poll-octoprint"])  # the old name

    assert result.exit_code == 1
    assert "Prusa MK4 #3" in result.output and "refused the API key" in result.output
    assert sessions(db) == []


def test_prusalink_api_key_mode_works(db, make_machine, member, manager):
    with FakePrusaLink(digest=False) as fake:
        fake.upload("benchy_MK4.bgcode", grams=15.0, length_mm=5000.0)
        machine = _printer(
            db, make_machine, name="MINI", kind="prusalink", url=fake.url, api_key=PRUSALINK_KEY
        )
        fake.start("benchy_MK4.bgcode", printed_for=60)
        assert poll_printers().failures == []
    assert fresh_link(db, machine).last_state == "PRINTING"
    assert len(sessions(db)) == 1


# ------------------------------------------------------------------------------ linking
@pytest.mark.parametrize(
    ("kind", "fake", "key", "extra"),
    [
        ("moonraker", FakeMoonraker, MOONRAKER_KEY, []),
        ("prusalink", FakePrusaLink, PRUSALINK_PASSWORD, ["--username", PRUSALINK_USER]),
    ],
)
def test_link_printer_tries_the_address_and_key_before_saving(
    app, db, make_machine, kind, fake, key, extra
):
    machine = make_machine(name="Printer", consumable_unit="gram")
    db.session.commit()
    runner = app.test_cli_runner()
    with fake() as server:
        base = ["usage", "link-printer", str(machine.id), server.url, "--kind", kind, *extra]
        refused = runner.invoke(args=[*base, "--api-key", "wrong"])
        assert refused.exit_code == 1
        assert "refused the API key" in refused.output and "Nothing was saved" in refused.output
        assert fresh_link(db, machine) is None

        saved = runner.invoke(args=[*base, "--api-key", key])
        assert saved.exit_code == 0, saved.output
    link = fresh_link(db, machine)
    assert link.kind == kind
    assert link.url == server.url


def test_link_printer_refuses_an_address_that_does_not_answer(app, db, make_machine):
    machine = make_machine(name="Printer")
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["usage", "link-printer", str(machine.id), "http://127.0.0.1:9", "--api-key", "k"]
    )
    assert result.exit_code == 1
    assert "Cannot reach the printer's server." in result.output
    assert fresh_link(db, machine) is None


# ------------------------------------------------------------------------------ Shelly relay
@pytest.fixture
def shelly():
    with FakeShelly() as fake:
        yield fake


@pytest.fixture
def laser(db, make_machine, shelly, manager):
    machine = make_machine(
        name="Laser 60 W", kind="laser_cutter", consumable_unit="sheet", consumable_rate_cents=350
    )
    link = save_printer_link(machine=machine, url=shelly.url, api_key="", kind="shelly")
    link.created_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return machine


def _minutes(start, *minutes):
    return [start + timedelta(minutes=m) for m in minutes]


def test_a_relay_drawing_power_for_20_minutes_makes_one_session_for_the_booker(
    db, shelly, laser, member
):
    booking = _book(db, laser, member)
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    shelly.draw(3.0)  # standby
    poll_printers(now=start)
    shelly.draw(450.0)
    for at in _minutes(start, 1, 2, 3, 10, 20):
        poll_printers(now=at)
    shelly.draw(2.5)
    for at in _minutes(start, 21, 22, 24, 30):
        poll_printers(now=at)

    [session] = sessions(db)
    assert session.status == "closed"
    assert session.source == "device"
    assert session.user_id == member.id
    assert session.reservation_id == booking.id
    assert session.started_at == start + timedelta(minutes=1)
    assert session.ended_at == start + timedelta(minutes=21)
    assert fresh_link(db, laser).last_state == "2 W"


def test_a_ten_second_spike_makes_no_session(db, shelly, laser, member):
    _book(db, laser, member)
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    shelly.draw(800.0)
    poll_printers(now=start)
    shelly.draw(0.0)
    poll_printers(now=start + timedelta(seconds=10))
    poll_printers(now=start + timedelta(minutes=5))

    assert sessions(db) == []


def test_a_short_pause_between_two_cuts_does_not_split_the_job(db, shelly, laser, manager):
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    shelly.draw(450.0)
    for at in _minutes(start, 0, 1, 5):
        poll_printers(now=at)
    shelly.draw(5.0)  # the operator changes the sheet
    poll_printers(now=start + timedelta(minutes=6))
    shelly.draw(450.0)
    poll_printers(now=start + timedelta(minutes=7))
    shelly.draw(0.0)
    for at in _minutes(start, 12, 13, 15):
        poll_printers(now=at)

    [session] = sessions(db)
    assert session.user_id == manager.id  # nobody booked: the lab's account, to review
    assert session.status == "flagged"
    assert session.ended_at - session.started_at == timedelta(minutes=12)


def test_a_relay_that_goes_silent_is_a_failing_link_and_the_session_waits(
    db, shelly, laser, member
):
    _book(db, laser, member)
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    shelly.draw(450.0)
    poll_printers(now=start)
    poll_printers(now=start + timedelta(minutes=2))
    shelly.go_down()
    report = poll_printers(now=start + timedelta(minutes=3))

    assert report.failures and report.failures[0].machine_name == "Laser 60 W"
    [running] = sessions(db)
    assert running.status == "open"
    shelly.draw(0.0)
    shelly.bring_back()
    for at in _minutes(start, 10, 13):
        poll_printers(now=at)
    assert sessions(db)[0].status == "closed"
