"""Integer money arithmetic with half-even rounding; no floats anywhere."""

from __future__ import annotations

from decimal import Decimal


def divide_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-even, for non-negative integers."""
    if denominator <= 0 or numerator < 0:
        raise ValueError("divide_half_even needs numerator >= 0 and denominator > 0")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def commission(amount: int, rate: Decimal) -> int:
    """amount × rate in minor units, rounded half-even."""
    numerator, denominator = rate.as_integer_ratio()
    return divide_half_even(amount * numerator, denominator)


def reversal_due(earned: int, reversed_so_far: int, refunded_total: int, sale_amount: int) -> int:
    """What a line must give back so its cumulative reversal matches the refunded share.

    Computing the cumulative target (not each refund's share) keeps rounding from drifting:
    the refund that completes the sale brings the line to exactly zero, and the total
    reversed never exceeds what was earned.
    """
    if sale_amount == 0 or refunded_total >= sale_amount:
        return earned - reversed_so_far
    target = divide_half_even(earned * refunded_total, sale_amount)
    return max(0, target - reversed_so_far)
