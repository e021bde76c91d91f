"""Dates, times, amounts and quantities as people read them: one set of helpers per locale.

The interface speaks French or English; *how* dates and numbers are written
follows a format locale per language (``FABLAB_FORMAT_LOCALE_FR``, default
``fr_FR``; ``FABLAB_FORMAT_LOCALE_EN``, default ``en_GB``: English speakers in
a French lab expect a 24-hour clock and the day before the month). Every page,
mail and message goes through these helpers (the Jinja filters ``datetime``,
``date``, ``time``, ``money`` and the ``quantity_with_unit`` global), in the
lab's zone, and never shows seconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app
from flask_babel import get_locale, npgettext
from flask_babel import gettext as _

from fablab.machines.zone import lab_zone

WIDTHS = ("short", "medium", "long", "full")


@lru_cache(maxsize=16)
def _parse(name: str) -> Locale:
    return Locale.parse(name)


def format_locale() -> Locale:
    """The locale whose conventions the current language writes dates and numbers with."""
    language = getattr(get_locale(), "language", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    configured = current_app.config.get(f"FABLAB_FORMAT_LOCALE_{language.upper()}")
    return _parse(configured or language)


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:  # stored instants are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(lab_zone())


def format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """An instant in the lab's zone: "10 Dec 2026, 18:00" (en), "10 déc. 2026, 18:00" (fr).

    ``fmt`` is a width (short, medium, long, full: the date's width, the time is
    always hours and minutes) or a CLDR pattern such as ``"EEE d MMM y, HH:mm"``.
    """
    if value is None:
        return ""
    locale = format_locale()
    local = _local(value)
    if fmt not in WIDTHS:
        return babel_dates.format_datetime(local, fmt, tzinfo=local.tzinfo, locale=locale)
    day = babel_dates.format_date(local.date(), fmt, locale=locale)
    clock = babel_dates.format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    pattern = babel_dates.get_datetime_format(fmt, locale=locale)
    return pattern.replace("'", "").replace("{0}", clock).replace("{1}", day)


def format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    """A day: "10/12/2026" (short), "10 Dec 2026" (medium), "Thursday 10 December 2026" (full)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_dates.format_date(value, fmt, locale=format_locale())


def format_time(value: datetime | time | None, fmt: str = "short") -> str:
    """A time of day on the 24-hour clock (en-GB and French alike): "18:00"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = _local(value)
        return babel_dates.format_time(local, fmt, tzinfo=local.tzinfo, locale=format_locale())
    return babel_dates.format_time(value, fmt, locale=format_locale())


def format_money(cents: int | None) -> str:
    """Integer cents as euros: 1250 -> "12,50 €" (fr), "€12.50" (en)."""
    if cents is None:
        return ""
    return babel_numbers.format_currency(Decimal(cents) / 100, "EUR", locale=format_locale())


def format_number(value: Decimal | int | float) -> str:
    return babel_numbers.format_decimal(value, format="#,##0.###", locale=format_locale())


def _unit_words(unit: str, count: Decimal) -> str:
    plural = int(count) if count == count.to_integral_value() else 2
    words = {
        "gram": lambda: "g",
        "m2": lambda: "m²",
        "sheet": lambda: npgettext("quantity", "sheet", "sheets", plural),
        "unit": lambda: "",
        "none": lambda: "",
    }
    text = words.get(unit)
    return text() if text else f"× {unit}"  # a billing step such as "15 min"


def quantity_with_unit(quantity_milli: int | None, unit: str | None) -> str:
    """A quantity stored in thousandths, with its unit: "12,5 g", "2 sheets", "4 × 15 min"."""
    if quantity_milli is None:
        return ""
    count = Decimal(int(quantity_milli)) / 1000
    words = _unit_words(unit or "unit", abs(count))
    return f"{format_number(count)}\u00a0{words}" if words else format_number(count)


def unit_hint(unit: str) -> str:
    """What a material field is typed in, e.g. "in grams", "in sheets"."""
    hints = {
        "gram": lambda: _("in grams (g)"),
        "sheet": lambda: _("in sheets"),
        "m2": lambda: _("in square metres (m²)"),
    }
    hint = hints.get(unit)
    return hint() if hint else ""


def check_format_locales(app: Flask) -> None:
    """Refuse to start with a format locale Babel does not know (a typo in the environment)."""
    for language in app.config.get("LANGUAGES", ("fr", "en")):
        name = app.config.get(f"FABLAB_FORMAT_LOCALE_{language.upper()}") or language
        try:
            _parse(name)
        except (UnknownLocaleError, ValueError) as error:
            raise RuntimeError(
                f"FABLAB_FORMAT_LOCALE_{language.upper()}={name!r} is not a known locale"
            ) from error
