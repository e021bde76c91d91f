"""The report period a page was asked for (query string), and how to link to it again."""

from __future__ import annotations

from datetime import date

from flask import request

from fablab.machines.zone import to_local
from fablab.reports.periods import KINDS, Period, PeriodError, custom_period, parse_day, period_of
from fablab.timeutil import utcnow


def chosen_period() -> tuple[str, Period, list[str]]:
    """The period asked for in the query string; today's month by default.

    Bad input falls back to the current month with a message (a report page never fails).
    """
    kind = request.args.get("period", "month")
    today = to_local(utcnow()).date()
    errors: list[str] = []
    if kind not in KINDS:
        kind = "month"
    try:
        if kind == "custom":
            start = parse_day(request.args.get("start"), "start")
            end = parse_day(request.args.get("end"), "end")
            return kind, custom_period(start, end), errors
        anchor = request.args.get("date")
        day = parse_day(anchor, "date") if anchor else today
        return kind, period_of(kind, min(max(day, date(2000, 1, 1)), date(2099, 12, 31))), errors
    except PeriodError as error:
        errors.append(error.message)
        return "month", period_of("month", today), errors


def period_args(kind: str, period: Period) -> dict:
    if kind == "custom":
        return {"period": kind, "start": period.start.isoformat(), "end": period.end.isoformat()}
    return {"period": kind, "date": period.start.isoformat()}
