"""Integer money arithmetic with half-even rounding; no floats anywhere."""

from __future__ import annotations

from functools import lru_cache

Rate = tuple[int, int]  # numerator, denominator: "0.20" is (20, 100)


def divide_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-even, for non-negative integers."""
    if denominator <= 0 or numerator < 0:
        raise ValueError("divide_half_even needs numerator >= 0 and denominator > 0")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


@lru_cache(maxsize=4096)
def rate_of(text: str) -> Rate:
    """A plain decimal string ("0.20", "1", "0.0525") as an exact ratio of integers."""
    whole, _, fraction = text.partition(".")
    return int(whole + fraction), 10 ** len(fraction)


def commission(amount: int, rate: Rate) -> int:
    """amount × rate in minor units, rounded half-even."""
    return divide_half_even(amount * rate[0], rate[1])


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
