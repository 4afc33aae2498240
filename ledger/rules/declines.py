"""A declined charge earns nothing; naming a recorded sale, it reverses all the sale still holds."""

from __future__ import annotations

from collections.abc import Sequence


def decline_reversals(lines: Sequence[tuple[int, int]]) -> list[int]:
    """What each line (earned, reversed so far) gives back: everything it still holds."""
    return [earned - reversed_ for earned, reversed_ in lines]


def taken_back(sale_amount: int, refunded: int) -> tuple[int, int]:
    """(sales, revenue) a decline takes off milestone progress: what refunds had not taken yet."""
    return (1 if refunded < sale_amount else 0), sale_amount - refunded
