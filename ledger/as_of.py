"""A partner's available balance as of a moment of event time, for checking payouts.

A payout is funded by what was available when it was sent. A refund dated after it may be
applied first (the refunds topic read ahead of the payouts topic); it carries the balance
negative afterwards, as in event-time order, instead of refusing the payout.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from datetime import UTC, datetime, timedelta

# Moves older than this, behind the partner's newest one, are folded into the balance: a payout
# dated before them is checked as of the fold. It bounds the memory a partner's history takes.
AS_OF_WINDOW = timedelta(days=366)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_WINDOW_US = AS_OF_WINDOW // _MICROSECOND


def _micros(at: datetime) -> int:
    """Exact microseconds since the epoch (timedelta division is integer arithmetic)."""
    return (at - _EPOCH) // _MICROSECOND


class AvailableHistory:
    """Moves into and out of available (payouts aside) dated after a horizon, in date order.

    Kept as two arrays of 64-bit integers (microseconds, minor units), 16 bytes a move: as
    tuples of a datetime and an int they took about 140, and a partner keeps thousands.
    """

    def __init__(self) -> None:
        self._horizon: int | None = None
        self._at = array("q")
        self._amounts = array("q")

    @property
    def horizon(self) -> datetime | None:
        """No payout is checked before this moment; moves at or before it are folded."""
        return None if self._horizon is None else _EPOCH + self._horizon * _MICROSECOND

    @property
    def moves(self) -> list[tuple[datetime, int]]:
        """The dated moves kept, oldest first (for inspection; moves at one instant are summed)."""
        return [(_EPOCH + at * _MICROSECOND, amount) for at, amount in zip(self._at, self._amounts, strict=True)]

    def record(self, at: datetime, amount: int) -> None:
        """A credit (positive) or reversal (negative) of available money dated `at`."""
        micros = _micros(at)
        if self._horizon is not None and micros <= self._horizon:
            return
        index = bisect_right(self._at, micros)
        if index and self._at[index - 1] == micros:
            self._amounts[index - 1] += amount
        else:
            self._at.insert(index, micros)
            self._amounts.insert(index, amount)
        self._fold(self._at[-1] - _WINDOW_US)

    def fold(self, horizon: datetime) -> None:
        """Forget the dates of moves at or before `horizon`: no payout is checked before it."""
        self._fold(_micros(horizon))

    def dated_after(self, at: datetime) -> int:
        """The net of moves dated after `at` (those folded away are counted as before it)."""
        return sum(self._amounts[bisect_right(self._at, _micros(at)):])

    def _fold(self, horizon: int) -> None:
        if self._horizon is not None and horizon <= self._horizon:
            return
        self._horizon = horizon
        cut = bisect_right(self._at, horizon)
        del self._at[:cut]
        del self._amounts[:cut]
