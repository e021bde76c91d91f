# ruff: noqa: F811  (pytest fixtures imported from tests.bookings_fixtures)
"""Each booking rule refuses what it should, names itself, and lets the rest through."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from fablab.bookings.models import Reservation
from fablab.bookings.services import RuleViolation, SlotTaken
from tests.bookings_fixtures import NOW, book, open_lab, paris, printer  # noqa: F401


def refused_rule(call) -> str:
    with pytest.raises(RuleViolation) as caught:
        call()
    return caught.value.details["rule"]


def test_a_booking_inside_the_rules_is_confirmed(printer, member, book):
    reservation = book(printer, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 12, 0))

    assert reservation.status == "confirmed"
    assert reservation.start_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert reservation.blocked_until == reservation.end_at


def test_opening_hours(printer, member, book):
    rule = refused_rule(
        lambda: book(printer, member, paris(2027, 3, 2, 19, 0), paris(2027, 3, 2, 21, 0))
    )
    assert rule == "opening_hours"


def test_unattended_machine_may_run_past_closing_but_must_start_when_open(
    make_machine, open_lab, member, book
):
    long_printer = make_machine(unattended_allowed=True, max_duration_minutes=24 * 60)

    overnight = book(long_printer, member, paris(2027, 3, 2, 18, 0), paris(2027, 3, 3, 6, 0))
    assert overnight.end_at - overnight.start_at == timedelta(hours=12)
    rule = refused_rule(
        lambda: book(long_printer, member, paris(2027, 3, 4, 21, 0), paris(2027, 3, 5, 6, 0))
    )
    assert rule == "opening_hours"


def test_touching_opening_intervals_count_as_one(db, make_machine, lab_settings, member, book):
    from fablab.machines.models import OpeningHours

    db.session.add_all(
        [
            OpeningHours(weekday=1, opens_at=time(9), closes_at=time(12)),
            OpeningHours(weekday=1, opens_at=time(12), closes_at=time(18)),
        ]
    )
    db.session.commit()
    machine = make_machine()

    assert book(machine, member, paris(2027, 3, 2, 11, 0), paris(2027, 3, 2, 13, 0)).id


def test_lab_wide_and_machine_closures(db, printer, make_machine, member, book):
    from fablab.machines.models import Closure

    other = make_machine()
    db.session.add(
        Closure(
            machine_id=printer.id,
            title="Nozzle change",
            start_at=paris(2027, 3, 2, 8, 0),
            end_at=paris(2027, 3, 2, 20, 0),
        )
    )
    db.session.add(
        Closure(
            title="Lab day off", start_at=paris(2027, 3, 3, 0, 0), end_at=paris(2027, 3, 4, 0, 0)
        )
    )
    db.session.commit()

    with pytest.raises(RuleViolation, match="Nozzle change"):
        book(printer, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    assert book(other, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0)).id
    rule = refused_rule(
        lambda: book(other, member, paris(2027, 3, 3, 10, 0), paris(2027, 3, 3, 11, 0))
    )
    assert rule == "closure"


def test_a_yearly_closure_repeats(db, printer, member, book):
    from fablab.machines.models import Closure

    db.session.add(
        Closure(
            title="Fête du travail",
            start_at=paris(2020, 5, 1, 0, 0),
            end_at=paris(2020, 5, 2, 0, 0),
            repeats_yearly=True,
        )
    )
    db.session.commit()
    now = datetime(2027, 4, 20, 8, 0, tzinfo=UTC)

    with pytest.raises(RuleViolation, match="Fête du travail"):
        book(printer, member, paris(2027, 5, 1, 10, 0), paris(2027, 5, 1, 11, 0), now=now)
    assert book(printer, member, paris(2027, 5, 2, 10, 0), paris(2027, 5, 2, 11, 0), now=now).id


def test_slot_step(printer, member, book):
    rule = refused_rule(
        lambda: book(printer, member, paris(2027, 3, 2, 10, 10), paris(2027, 3, 2, 11, 10))
    )
    assert rule == "slot_step"


@pytest.mark.parametrize(("hours", "rule"), [(0.5, None), (8, None), (8.5, "max_duration")])
def test_duration_limits(printer, member, book, hours, rule):
    start = paris(2027, 3, 2, 9, 0)
    end = start + timedelta(hours=hours)
    if rule is None:
        assert book(printer, member, start, end).id
    else:
        assert refused_rule(lambda: book(printer, member, start, end)) == rule


def test_machine_minimum_duration_overrides_the_lab(make_machine, open_lab, member, book):
    machine = make_machine(min_duration_minutes=60)
    rule = refused_rule(
        lambda: book(machine, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 10, 30))
    )
    assert rule == "min_duration"


def test_lab_default_applies_when_the_machine_has_none(db, printer, open_lab, member, book):
    open_lab.max_advance_days = 7
    db.session.commit()
    rule = refused_rule(
        lambda: book(printer, member, paris(2027, 3, 10, 10, 0), paris(2027, 3, 10, 11, 0))
    )
    assert rule == "max_advance"
    assert book(printer, member, paris(2027, 3, 8, 10, 0), paris(2027, 3, 8, 11, 0)).id


def test_minimum_notice_and_past(make_machine, open_lab, member, book):
    machine = make_machine(min_notice_minutes=120)
    now = paris(2027, 3, 2, 9, 0)
    rule = refused_rule(
        lambda: book(machine, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0), now=now)
    )
    assert rule == "min_notice"
    rule = refused_rule(
        lambda: book(machine, member, paris(2027, 3, 2, 8, 0), paris(2027, 3, 2, 9, 0), now=now)
    )
    assert rule == "past"


def test_buffer_blocks_the_time_after_a_booking(make_machine, open_lab, member, make_user, book):
    laser = make_machine(kind="laser_cutter", buffer_minutes=30)
    first = book(laser, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    assert first.blocked_until == first.end_at + timedelta(minutes=30)

    with pytest.raises(SlotTaken):
        book(laser, make_user(), paris(2027, 3, 2, 11, 0), paris(2027, 3, 2, 12, 0))
    assert book(laser, make_user(), paris(2027, 3, 2, 11, 30), paris(2027, 3, 2, 12, 0)).id


def test_weekly_quota_per_machine_kind(make_machine, open_lab, member, book):
    first = make_machine(kind="laser_cutter", weekly_quota_hours=3)
    second = make_machine(kind="laser_cutter", weekly_quota_hours=3)
    printer = make_machine(kind="3d_printer")
    book(first, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 12, 0))

    rule = refused_rule(
        lambda: book(second, member, paris(2027, 3, 3, 10, 0), paris(2027, 3, 3, 12, 0))
    )
    assert rule == "weekly_quota"
    assert book(second, member, paris(2027, 3, 3, 10, 0), paris(2027, 3, 3, 11, 0)).id
    assert book(printer, member, paris(2027, 3, 3, 10, 0), paris(2027, 3, 3, 12, 0)).id
    # next Monday is a new week
    assert book(second, member, paris(2027, 3, 8, 10, 0), paris(2027, 3, 8, 12, 0)).id


def test_machine_in_maintenance_cannot_be_booked(make_machine, open_lab, member, book):
    machine = make_machine(status="maintenance")
    rule = refused_rule(
        lambda: book(machine, member, paris(2027, 3, 2, 10, 0), paris(2027, 3, 2, 11, 0))
    )
    assert rule == "machine_status"


def test_a_manager_may_override_the_rules_knowingly(printer, member, manager, book):
    reservation = book(
        printer,
        member,
        paris(2027, 3, 2, 19, 0),
        paris(2027, 3, 2, 22, 0),
        by=manager,
        override_rules=True,
    )
    assert reservation.created_by_id == manager.id


def test_a_member_cannot_override_the_rules(printer, member, book):
    from fablab.errors import Forbidden

    with pytest.raises(Forbidden):
        book(
            printer,
            member,
            paris(2027, 3, 2, 19, 0),
            paris(2027, 3, 2, 22, 0),
            override_rules=True,
        )


def test_refusal_message_is_in_the_users_language(app, printer, member, book):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"), pytest.raises(RuleViolation) as caught:
        book(printer, member, paris(2027, 3, 2, 19, 0), paris(2027, 3, 2, 21, 0))
    assert "Horaires d'ouverture" in caught.value.message


def test_nothing_is_written_when_a_rule_refuses(db, printer, member, book):
    with pytest.raises(RuleViolation):
        book(printer, member, paris(2027, 3, 2, 19, 0), paris(2027, 3, 2, 21, 0))
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 0
