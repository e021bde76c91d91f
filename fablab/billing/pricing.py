"""Prices and rounding. Pure functions on integers: no database, no floats.

Rounding rules (each is tested in tests/test_billing_pricing.py):

1. **Half away from zero** everywhere a division leaves a remainder
   (``round_half_up``): 0.5 cent becomes 1 cent, -0.5 becomes -1, so a credit
   note that negates an invoice line negates its VAT exactly.
2. **Machine time is billed per started increment.** The duration (whole
   seconds; fractions of a second are dropped) is divided by the machine's
   billing increment and rounded *up*: 1 s to 15 min is one increment of 15
   min, 15 min 1 s is two. A zero duration bills nothing.
3. **The price of one increment** is the hourly rate of the customer's
   category × increment / 60, rounded half-up to the cent; the line is
   ``increments × increment price``. So quantity × unit price on the invoice
   is always exactly the line amount (with a 20-minute increment at 12.50 €/h
   an increment costs 4.17 € and an hour 12.51 €: the increment price is what
   the customer sees and pays).
4. **Consumables** = quantity (thousandths of a unit) × rate per unit / 1000,
   rounded half-up to the cent.
5. **Every line**: amount excl. VAT = round(quantity_milli × unit price /
   1000); VAT = round(amount excl. VAT × VAT rate in basis points / 10000),
   **computed per line and summed** for the document (French practice allows
   either per line or per rate; per line makes each line self-contained, and a
   credit note copying lines cancels the invoice to the cent). Incl. VAT =
   excl. VAT + VAT, per line and in total.
"""

from __future__ import annotations

from dataclasses import dataclass

MILLI = 1000
BASIS_POINTS = 10_000


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return sign * quotient


def started_increments(duration_seconds: int, increment_minutes: int) -> int:
    """How many billing increments a duration starts (rule 2: rounded up)."""
    if increment_minutes <= 0:
        raise ValueError("the billing increment must be positive")
    if duration_seconds <= 0:
        return 0
    increment_seconds = increment_minutes * 60
    return -(-int(duration_seconds) // increment_seconds)


def increment_price_cents(hourly_rate_cents: int, increment_minutes: int) -> int:
    """Price of one increment (rule 3): rate × increment / 60, rounded half-up."""
    return round_half_up(hourly_rate_cents * increment_minutes, 60)


@dataclass(frozen=True)
class Priced:
    """A priced quantity: what goes on a charge and then on an invoice line."""

    quantity_milli: int
    unit_price_cents: int
    amount_cents: int


def machine_time_price(
    *, hourly_rate_cents: int, duration_seconds: int, increment_minutes: int
) -> Priced:
    """Machine time: started increments × increment price (rules 2 and 3)."""
    increments = started_increments(duration_seconds, increment_minutes)
    unit_price = increment_price_cents(hourly_rate_cents, increment_minutes)
    return Priced(
        quantity_milli=increments * MILLI,
        unit_price_cents=unit_price,
        amount_cents=increments * unit_price,
    )


def consumable_price(*, quantity_milli: int, rate_cents: int) -> Priced:
    """Material: quantity_milli × rate / 1000, rounded half-up (rule 4)."""
    if quantity_milli < 0 or rate_cents < 0:
        raise ValueError("a consumable quantity or rate cannot be negative")
    return Priced(
        quantity_milli=quantity_milli,
        unit_price_cents=rate_cents,
        amount_cents=line_amount(quantity_milli, rate_cents),
    )


def line_amount(quantity_milli: int, unit_price_cents: int) -> int:
    """Amount excl. VAT of a line (rule 5)."""
    return round_half_up(quantity_milli * unit_price_cents, MILLI)


def line_vat(amount_excl_cents: int, vat_rate_bp: int) -> int:
    """VAT of one line (rule 5)."""
    return round_half_up(amount_excl_cents * vat_rate_bp, BASIS_POINTS)


@dataclass(frozen=True)
class Totals:
    excl_cents: int
    vat_cents: int
    incl_cents: int


def document_totals(lines: list[tuple[int, int]]) -> Totals:
    """Totals of a document from (amount excl. VAT, VAT rate bp) per line: VAT summed per line."""
    excl = sum(amount for amount, _ in lines)
    vat = sum(line_vat(amount, rate) for amount, rate in lines)
    return Totals(excl_cents=excl, vat_cents=vat, incl_cents=excl + vat)
