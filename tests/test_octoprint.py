"""The OctoPrint poller records each print once, against a fake OctoPrint 1.11 server."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.timeutil import utcnow
from fablab.usage.devices import save_octoprint_link
from fablab.usage.jobs import poll_octoprint
from fablab.usage.models import UsageSession
from fablab.usage.octoprint import filament_milligrams
from tests.fake_octoprint import API_KEY, FakeOctoPrint

# 1000 mm of 1.75 mm filament: π × 0.875² × 1000 = 2405.28 mm³; × 1.24 g/cm³ = 2.98255 g
ONE_METRE_PLA_MG = 2983


@pytest.fixture
def octoprint():
    with FakeOctoPrint() as fake:
        fake.upload("benchy.gcode", length_mm=5000.0, estimated=3600.0)
        yield fake


@pytest.fixture
def printer(make_machine, db, octoprint, manager):
    machine = make_machine(name="Prusa MK4", consumable_unit="gram", consumable_rate_cents=5)
    link = save_octoprint_link(machine=machine, url=octoprint.url, api_key=API_KEY)
    link.created_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return machine


@pytest.fixture
def booking(db, printer, member):
    now = utcnow()
    reservation = Reservation(
        machine=printer,
        user=member,
        start_at=now - timedelta(hours=2),
        end_at=now + timedelta(hours=2),
        blocked_until=now + timedelta(hours=2),
        status="confirmed",
    )
    db.session.add(reservation)
    db.session.commit()
    return reservation


def sessions(db):
    db.session.expire_all()
    return db.session.scalars(sa.select(UsageSession).order_by(UsageSession.id)).all()


def test_grams_come_from_length_diameter_and_density():
    job = {"job": {"filament": {"tool0": {"length": 1000.0, "volume": 0.0}}}}
    assert filament_milligrams(job, diameter_milli_mm=1750, density_milli=1240) == ONE_METRE_PLA_MG
    # 2.85 mm PETG (1.27 g/cm³): π × 1.425² × 1000 × 1.27 / 1000 = 8.10193 g
    assert filament_milligrams(job, diameter_milli_mm=2850, density_milli=1270) == 8102
    # Both tools count; a null length or no filament at all is zero.
    two = {"job": {"filament": {"tool0": {"length": 1000}, "tool1": {"length": 1000}}}}
    assert filament_milligrams(two, diameter_milli_mm=1750, density_milli=1240) == 5965
    assert (
        filament_milligrams({"job": {"filament": None}}, diameter_milli_mm=1750, density_milli=1240)
        == 0
    )
    empty = {"job": {"filament": {"length": None}}}
    assert filament_milligrams(empty, diameter_milli_mm=1750, density_milli=1240) == 0


def test_a_print_still_printing_when_polled_is_recorded_once_when_it_ends(
    db, octoprint, printer, booking, member
):
    octoprint.start("benchy.gcode", printed_for=600)
    poll_octoprint()
    poll_octoprint()

    [running] = sessions(db)
    assert running.status == "open"
    assert running.user_id == member.id
    assert running.reservation_id == booking.id
    assert running.source == "octoprint"
    assert running.file_name == "benchy.gcode"
    assert abs((utcnow() - running.started_at) - timedelta(seconds=600)) < timedelta(seconds=30)

    octoprint.advance(1200)
    poll_octoprint()
    octoprint.finish(printed_for=1800)
    for _ in range(3):
        poll_octoprint()

    [done] = sessions(db)
    assert done.id == running.id
    assert done.status == "closed"
    assert done.ended_at > done.started_at
    assert done.consumable_quantity_milli == 14913  # 5 m: 14.91277 g
    assert done.consumable_unit == "gram"
    assert done.consumable_rate_cents == 5
    assert done.external_id.startswith("octoprint:benchy.gcode:")


def test_a_print_that_started_and_ended_between_two_polls_is_recorded_once(
    db, octoprint, printer, booking, member
):
    end = time.time() - 60
    octoprint.print_between_polls("benchy.gcode", printed_for=900, at=end)
    poll_octoprint()
    poll_octoprint()

    [done] = sessions(db)
    assert done.status == "closed"
    assert done.user_id == member.id
    assert done.reservation_id == booking.id
    assert done.ended_at.timestamp() == pytest.approx(end, abs=0.01)
    assert (done.ended_at - done.started_at) == timedelta(seconds=900)
    assert done.consumable_quantity_milli == 14913


def test_printing_the_same_file_again_is_a_second_session(db, octoprint, printer, booking):
    octoprint.print_between_polls("benchy.gcode", printed_for=900, at=time.time() - 3000)
    poll_octoprint()
    octoprint.print_between_polls("benchy.gcode", printed_for=900, at=time.time() - 60)
    poll_octoprint()
    poll_octoprint()

    assert len(sessions(db)) == 2


def test_a_cancelled_print_is_charged_for_the_share_the_poller_saw_printed(
    db, octoprint, printer, booking
):
    octoprint.start("benchy.gcode", printed_for=600)
    poll_octoprint()
    octoprint.advance(1800)  # half of the 3600 s file: completion 50 %
    poll_octoprint()
    octoprint.cancel()
    poll_octoprint()
    poll_octoprint()

    [cancelled] = sessions(db)
    # Like the real OctoPrint, the fake keeps no printTime for the failed print.
    assert "printTime" not in octoprint.files["benchy.gcode"]["prints"]["last"]
    assert cancelled.status == "closed"
    assert "Cancelled" in cancelled.note
    # Half of the file's 14.913 g (5 m of 1.75 mm PLA).
    assert cancelled.consumable_quantity_milli == 7457
    assert cancelled.consumable_rate_cents == 5


def test_a_cancel_seen_only_at_the_start_is_charged_by_its_duration(
    db, octoprint, printer, booking
):
    # The real OctoPrint shows null progress during the first second of a print.
    octoprint.start("benchy.gcode", printed_for=0)
    octoprint.progress = {key: None for key in octoprint.progress}
    poll_octoprint()
    [running] = sessions(db)
    octoprint.cancel(at=running.started_at.timestamp() + 1440)  # 40 % of the estimate
    poll_octoprint()

    [cancelled] = sessions(db)
    assert cancelled.status == "closed"
    assert cancelled.consumable_quantity_milli == 5965  # 40 % of 14.913 g


def test_a_cancel_never_seen_printing_is_flagged_with_no_filament(db, octoprint, printer, booking):
    octoprint.start("benchy.gcode", printed_for=900)
    octoprint.cancel(at=time.time() - 30)
    poll_octoprint()

    [cancelled] = sessions(db)
    assert cancelled.status == "flagged"
    assert cancelled.consumable_quantity_milli == 0
    assert "filament" in cancelled.flagged_reason


def test_a_disconnected_printer_is_noted_and_records_nothing(db, octoprint, printer):
    octoprint.disconnect()
    poll_octoprint()

    assert sessions(db) == []
    link = printer_link(db, printer)
    assert link.last_state == "disconnected"
    assert link.last_polled_at is not None
    assert "/api/printer" in octoprint.requests


def test_a_printer_disconnected_mid_print_closes_the_session_for_review(
    db, octoprint, printer, booking
):
    octoprint.start("benchy.gcode", printed_for=600)
    poll_octoprint()
    octoprint.disconnect()
    poll_octoprint()

    [lost] = sessions(db)
    assert lost.status == "flagged"
    assert lost.ended_at is not None
    assert "disconnected" in lost.flagged_reason


def test_a_print_without_a_booking_goes_to_the_lab_account_flagged(db, octoprint, printer, manager):
    octoprint.print_between_polls("benchy.gcode", printed_for=300, at=time.time() - 10)
    poll_octoprint()

    [unbooked] = sessions(db)
    assert unbooked.user_id == manager.id
    assert unbooked.status == "flagged"
    assert "booking" in unbooked.flagged_reason


def test_a_wrong_api_key_records_nothing_and_says_why(db, octoprint, printer, caplog):
    link = printer_link(db, printer)
    link.api_key = "wrong"
    db.session.commit()
    octoprint.start("benchy.gcode", printed_for=60)
    report = poll_octoprint()

    assert sessions(db) == []
    link = printer_link(db, printer)
    assert link.last_error == "The printer's server refused the API key."
    assert "403" in link.last_error_detail
    [failure] = report.failures
    assert failure.machine_name == "Prusa MK4"
    assert "refused the API key" in str(report) or "1 printer(s) failing" in str(report)
    # The scheduler's log says it as an error, with the machine and the reason.
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "Prusa MK4" in record.getMessage() and "API key" in record.getMessage()


def test_an_unreachable_octoprint_records_nothing(db, printer):
    link = printer_link(db, printer)
    link.url = "http://127.0.0.1:9"  # discard port: connection refused
    db.session.commit()
    report = poll_octoprint()

    assert sessions(db) == []
    link = printer_link(db, printer)
    assert link.last_error == "Cannot reach the printer's server."
    assert "refused" in link.last_error_detail
    assert link.last_contact_at is None
    assert len(report.failures) == 1


def test_prints_before_the_printer_was_linked_are_not_imported(db, octoprint, printer):
    link = printer_link(db, printer)
    link.created_at = utcnow()
    db.session.commit()
    octoprint.print_between_polls("benchy.gcode", printed_for=300, at=time.time() - 3600)
    poll_octoprint()

    assert sessions(db) == []


def printer_link(db, machine):
    from fablab.usage.devices import link_of

    db.session.expire_all()
    return link_of(machine)


def test_a_reprint_of_the_same_file_seen_only_while_printing_is_a_new_session(
    db, octoprint, printer, booking
):
    octoprint.start("benchy.gcode", printed_for=3000)
    poll_octoprint()
    # The first print ended and the same file started again between two polls.
    octoprint.start("benchy.gcode", printed_for=60)
    poll_octoprint()
    poll_octoprint()

    first, second = sessions(db)
    assert first.status == "flagged"  # its end was not seen: checked by a manager
    assert second.status == "open"
    assert second.started_at >= first.ended_at


def test_a_print_closed_by_a_manager_is_not_recorded_again(
    app, db, octoprint, printer, booking, manager
):
    from fablab.usage.corrections import correct_session

    octoprint.start("benchy.gcode", printed_for=600)
    poll_octoprint()
    [running] = sessions(db)
    with app.test_request_context():
        correct_session(
            session=running, by=manager, reason="Print failed, I stopped it", ended_at=utcnow()
        )
    db.session.commit()
    poll_octoprint()  # still shown as printing
    octoprint.finish(printed_for=700)
    poll_octoprint()
    poll_octoprint()

    [closed] = sessions(db)
    assert closed.status == "closed"
    assert closed.external_id.startswith("octoprint:benchy.gcode:")
    assert not closed.external_id.endswith(":running")
