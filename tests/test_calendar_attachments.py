# ruff: noqa: F811  (pytest fixtures imported from tests.calendar_helpers)
"""The .ics files attached to e-mails read right in every calendar app, summer and winter."""

import pytest

from fablab.bookings.ics import reservation_ics
from fablab.events.ical import event_calendar
from tests.calendar_helpers import book_directly, make_event, paris, utc_starts  # noqa: F401


@pytest.mark.parametrize(
    ("wall_clock", "expected_utc"),
    [((2028, 7, 11, 10), "2028-07-11T08:00Z"), ((2028, 1, 11, 10), "2028-01-11T09:00Z")],
)
def test_a_booking_attachment_gives_the_same_instant_to_three_parsers(
    book_directly, make_machine, member, wall_clock, expected_utc
):
    reservation = book_directly(make_machine(), member, paris(*wall_clock))
    starts = utc_starts(reservation_ics(reservation))
    uid = next(iter(starts["icalendar"]))
    assert {parser: found[uid] for parser, found in starts.items()} == {
        "icalendar": expected_utc,
        "vobject": expected_utc,
        "ical.js": expected_utc,
    }


def test_an_event_attachment_gives_the_same_instant_to_three_parsers(make_event):
    event = make_event(start_at=paris(2028, 7, 8, 10), end_at=paris(2028, 7, 8, 12))
    starts = utc_starts(event_calendar(event, "fr"))
    assert [found[f"event-{event.id}@localhost"] for found in starts.values()] == [
        "2028-07-08T08:00Z"
    ] * 3
