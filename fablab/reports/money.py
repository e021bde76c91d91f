"""Money in the reports stays exact: integer cents, exact fractions on the way, Decimal euros
for the spreadsheets, never a float."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask_babel import format_currency


def round_cents(value: Fraction | int) -> int:
    """An exact amount rounded to the cent, half a cent away from zero (as on invoices)."""
    value = Fraction(value)
    whole = (abs(value.numerator) * 2 + value.denominator) // (2 * value.denominator)
    return whole if value >= 0 else -whole


def decimal_euros(cents: int | None) -> Decimal | None:
    """1250 -> Decimal('12.50'): a spreadsheet reads it as a number, exactly."""
    return None if cents is None else Decimal(int(cents)).scaleb(-2)


def euro_text(cents: int) -> str:
    """Cents as a localised euro amount (the reader's language)."""
    return format_currency(decimal_euros(cents), "EUR")
