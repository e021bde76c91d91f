"""Report periods: a month, a quarter, a year or custom dates, and what to compare them with.

A period is a half-open range of the lab's local dates ``[start, end)``; its instants are
the lab's local midnights in UTC, so a month holds its real hours across a DST change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from flask_babel import lazy_gettext as _l

from fablab.errors import DomainError
from fablab.machines.zone import lab_zone

KINDS = ("month", "quarter", "year", "custom")
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 1, 1)
MAX_DAYS = 366 * 5


class PeriodError(DomainError):
    status = 422
    code = "invalid"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=lab_zone()).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(), tzinfo=lab_zone()).astimezone(UTC)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period just before, of the same shape (a month before a month…)."""
        if self.start.day == 1 and self.end.day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
            return Period(_add_months(self.start, -months), self.start)
        return Period(self.start - timedelta(days=self.days), self.start)

    def last_year(self) -> Period:
        """The same dates a year earlier (29 February becomes the 28th)."""
        return Period(_year_before(self.start), _year_before(self.end))

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        first, found = self.start.replace(day=1), []
        while first < self.end:
            found.append(first)
            first = _add_months(first, 1)
        return found

    def month_fraction(self) -> Fraction:
        """How many months the period covers (each month counted by its own length), exactly."""
        total = Fraction(0)
        for first in self.months():
            following = _add_months(first, 1)
            overlap = (min(following, self.end) - max(first, self.start)).days
            total += Fraction(overlap, (following - first).days)
        return total

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def period_of(kind: str, anchor: date) -> Period:
    """The month, quarter or year containing ``anchor``."""
    if kind == "month":
        first = anchor.replace(day=1)
        return Period(first, _add_months(first, 1))
    if kind == "quarter":
        first = date(anchor.year, (anchor.month - 1) // 3 * 3 + 1, 1)
        return Period(first, _add_months(first, 3))
    if kind == "year":
        return Period(date(anchor.year, 1, 1), date(anchor.year + 1, 1, 1))
    raise PeriodError(_l("Unknown kind of period."), field="period")


def custom_period(start: date, end: date) -> Period:
    """Dates chosen by hand; ``end`` is the first day not included."""
    if not (EARLIEST <= start < LATEST and EARLIEST < end <= LATEST):
        raise PeriodError(_l("Dates must lie between 2000 and 2100."), field="start")
    if end <= start:
        raise PeriodError(_l("The end must be after the start."), field="end")
    if (end - start).days > MAX_DAYS:
        raise PeriodError(_l("A report covers at most five years."), field="end")
    return Period(start, end)


def parse_day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise PeriodError(_l("Give a date as YYYY-MM-DD."), field=field) from None
