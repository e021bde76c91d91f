"""The base of every form: Flask-WTF (CSRF) plus limits every number must respect."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# Integer columns hold 32-bit values on PostgreSQL; amounts typed in euros become cents.
LARGEST_INTEGER = 2_147_483_647
LARGEST_DECIMAL = Decimal(10_000_000)


# Every date a person types or sends lies in this range (the API refuses the same).
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def day_in_range(value) -> bool:
    """Whether a date (or datetime) is one the lab can show and compute with."""
    day = value.date() if isinstance(value, datetime) else value
    return not isinstance(day, date) or EARLIEST_DAY <= day <= LATEST_DAY


def parse_day(text: str | None) -> date | None:
    """The one parser of dates in URLs: an ISO date between 2000 and 2100, else None."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if day_in_range(day) else None


def too_large(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > LARGEST_INTEGER
    if isinstance(value, Decimal | float):
        return abs(value) > LARGEST_DECIMAL
    return False


class Form(FlaskForm):
    """A FlaskForm that refuses numbers too large to store and dates outside 2000–2100,
    beside the field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self:
            if too_large(field.data):
                field.errors = [*field.errors, str(_l("This number is too large."))]
                valid = False
        return valid

    def process(self, *args, **kwargs):
        # Out-of-range dates are dropped as the form reads its input, so that no view
        # computes with them (year 9999 + one day overflows), and explained on validate.
        super().process(*args, **kwargs)
        for field in self:
            if not day_in_range(field.data):
                field.data = None
                field.process_errors.append(str(_l("Enter a date between 2000 and 2100.")))
