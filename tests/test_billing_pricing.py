"""Prices and rounding rules (fablab/billing/pricing.py)."""

from __future__ import annotations

import pytest

from fablab.billing import pricing


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 10, 1), (4, 10, 0), (15, 10, 2), (-5, 10, -1), (-4, 10, 0), (29985, 1000, 30)],
)
def test_halves_round_away_from_zero(numerator, denominator, expected):
    assert pricing.round_half_up(numerator, denominator) == expected


@pytest.mark.parametrize(
    ("seconds", "increment", "expected"),
    [(0, 15, 0), (1, 15, 1), (15 * 60, 15, 1), (15 * 60 + 1, 15, 2), (61 * 60, 30, 3)],
)
def test_machine_time_is_billed_per_started_increment(seconds, increment, expected):
    assert pricing.started_increments(seconds, increment) == expected


@pytest.mark.parametrize(
    ("category", "expected_cents"),
    # 50 minutes with a 15-minute increment = 4 increments = 1 hour
    [("member", 300), ("public", 500), ("reduced", 200), ("company", 1200)],
)
def test_price_per_category(make_machine, category, expected_cents):
    machine = make_machine()
    price = pricing.machine_time_price(
        hourly_rate_cents=machine.rate_for(category),
        duration_seconds=50 * 60,
        increment_minutes=machine.billing_increment_minutes,
    )
    assert price.amount_cents == expected_cents
    assert price.quantity_milli == 4000


def test_increment_price_is_rounded_and_quantity_times_price_is_the_line():
    # 12.50 €/h by 20 minutes: 4.1666 -> 4.17 € an increment
    price = pricing.machine_time_price(
        hourly_rate_cents=1250, duration_seconds=3600, increment_minutes=20
    )
    assert price.unit_price_cents == 417
    assert price.amount_cents == 3 * 417
    assert pricing.line_amount(price.quantity_milli, price.unit_price_cents) == price.amount_cents


@pytest.mark.parametrize(
    ("quantity_milli", "rate", "expected"),
    [
        (12_345, 5, 62),  # 12.345 g at 0.05 €/g = 0.61725 € -> 0.62 €
        (100_000, 4, 400),  # 100 g at 0.04 €/g
        (500, 1, 1),  # 0.5 cent rounds up
        (499, 1, 0),
        (2_500, 1999, 4998),  # 2.5 m² at 19.99 € = 49.975 -> 49.98
    ],
)
def test_consumables_round_half_up_to_the_cent(quantity_milli, rate, expected):
    assert pricing.consumable_price(
        quantity_milli=quantity_milli, rate_cents=rate
    ).amount_cents == (expected)


def test_negative_consumables_are_refused():
    with pytest.raises(ValueError):
        pricing.consumable_price(quantity_milli=-1, rate_cents=5)


def test_vat_is_computed_per_line_and_summed():
    # two lines of 0.05 € at 20 %: 1 cent of VAT each (0.01 rounded), 2 cents in all,
    # where VAT on the total (0.10 €) would also be 2 cents; three lines of 0.03 €:
    # 0.6 -> 1 cent each = 3 cents, not round(0.09 × 20 %) = 2 cents.
    totals = pricing.document_totals([(3, 2000), (3, 2000), (3, 2000)])
    assert (totals.excl_cents, totals.vat_cents, totals.incl_cents) == (9, 3, 12)
    assert pricing.line_vat(1999, 550) == 110  # 5.5 % of 19.99 = 1.099 -> 1.10


def test_a_negated_line_negates_its_vat_exactly():
    for amount in (1, 5, 25, 1999, 12345):
        assert pricing.line_vat(-amount, 2000) == -pricing.line_vat(amount, 2000)
