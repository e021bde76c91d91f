"""VTIMEZONE details that matter to real calendar apps.

Kept free of app imports so that any domain writing .ics files can use it.
"""

from __future__ import annotations

from icalendar import Calendar, Timezone


def one_rdate_per_line(timezone: Timezone) -> None:
    """Write each RDATE of a VTIMEZONE on its own line.

    icalendar lists a zone's transitions as one ``RDATE:a,b,c`` line; ical.js
    (the parser inside Thunderbird) reads only the first value of such a line,
    and would then put summer times after the first listed year one hour off.
    """
    for observance in timezone.subcomponents:
        rdates = observance.get("RDATE")
        if rdates is None:
            continue
        listed = rdates if isinstance(rdates, list) else [rdates]
        values = [item.dt for rdate in listed for item in rdate.dts]
        del observance["RDATE"]
        for value in values:
            observance.add("RDATE", value)


def fix_timezones(calendar: Calendar) -> Calendar:
    """Apply ``one_rdate_per_line`` to every VTIMEZONE of ``calendar``."""
    for timezone in calendar.timezones:
        one_rdate_per_line(timezone)
    return calendar
