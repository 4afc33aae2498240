"""Invariants of money that must hold for every amount, rate and refund sequence."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from ledger.rules.money import commission, rate_of, reversal_due

amounts = st.integers(min_value=1, max_value=10**9)
rates = st.decimals(min_value=0, max_value=1, places=4).map(lambda d: Decimal(str(d)))


@st.composite
def refund_splits(draw: st.DrawFn) -> tuple[int, list[int]]:
    """A sale amount and refunds adding up to at most that amount."""
    amount = draw(amounts)
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=amount), max_size=6)))
    points = [0, *cuts, draw(st.sampled_from([amount, cuts[-1] if cuts else amount]))]
    return amount, [b - a for a, b in zip(points, points[1:], strict=False) if b > a]


@given(amounts, rates)
def test_commission_never_exceeds_the_exact_product_by_half_a_cent(amount: int, rate: Decimal) -> None:
    assert abs(Decimal(commission(amount, rate_of(format(rate, 'f')))) - amount * rate) <= Decimal("0.5")


@given(refund_splits(), rates)
def test_cumulative_reversal_never_exceeds_what_was_earned(split: tuple[int, list[int]], rate: Decimal) -> None:
    amount, refunds = split
    earned = commission(amount, rate_of(format(rate, 'f')))
    reversed_total = refunded = 0
    for part in refunds:
        refunded += part
        step = reversal_due(earned, reversed_total, refunded, amount)
        assert step >= 0
        reversed_total += step
        assert reversed_total <= earned


@given(refund_splits(), rates)
def test_refunding_the_whole_sale_reverses_exactly_what_was_earned(split: tuple[int, list[int]], rate: Decimal) -> None:
    amount, refunds = split
    earned = commission(amount, rate_of(format(rate, 'f')))
    reversed_total = refunded = 0
    for part in [*refunds, amount - sum(refunds)]:
        refunded += part
        reversed_total += reversal_due(earned, reversed_total, refunded, amount)
    assert reversed_total == earned
