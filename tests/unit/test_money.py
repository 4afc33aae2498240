"""Rounding and proportional reversal, in integer minor units."""

from __future__ import annotations

import pytest

from ledger.rules.money import commission, divide_half_even, rate_of, reversal_due


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (5, 2, 2), (7, 2, 4), (1, 2, 0), (3, 2, 2), (9, 4, 2), (11, 4, 3), (10, 4, 2), (0, 7, 0),
])
def test_division_rounds_half_to_even(numerator: int, denominator: int, expected: int) -> None:
    assert divide_half_even(numerator, denominator) == expected


def test_commission_is_amount_times_rate_in_minor_units() -> None:
    assert commission(10_000, rate_of("0.20")) == 2_000


def test_commission_rounds_a_half_cent_to_the_even_cent() -> None:
    assert commission(1_250, rate_of("0.05")) == 62  # 62.5 → 62
    assert commission(1_270, rate_of("0.05")) == 64  # 63.5 → 64


def test_commission_rounds_above_half_up() -> None:
    assert commission(4_999, rate_of("0.05")) == 250  # 249.95 → 250


def test_partial_refund_reverses_the_refunded_share() -> None:
    assert reversal_due(earned=2_000, reversed_so_far=0, refunded_total=2_500, sale_amount=10_000) == 500


def test_the_refund_that_completes_the_sale_reverses_exactly_what_is_left() -> None:
    first = reversal_due(earned=333, reversed_so_far=0, refunded_total=1, sale_amount=3)
    second = reversal_due(earned=333, reversed_so_far=first, refunded_total=2, sale_amount=3)
    last = reversal_due(earned=333, reversed_so_far=first + second, refunded_total=3, sale_amount=3)
    assert (first, second, last) == (111, 111, 111)
    assert first + second + last == 333


def test_thirds_of_an_odd_amount_still_net_to_zero() -> None:
    earned, done = 1_001, 0
    for refunded in (1, 2, 3):
        done += reversal_due(earned, done, refunded, 3)
    assert done == earned


def test_negative_numerators_are_refused() -> None:
    with pytest.raises(ValueError):
        divide_half_even(-1, 2)
