"""A partner's available balance as of a moment of event time, for checking payouts.

A payout is funded by what was available when it was sent. A refund dated after it may be
applied first (the refunds topic read ahead of the payouts topic); it carries the balance
negative afterwards, as in event-time order, instead of refusing the payout.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Moves older than this, behind the partner's newest one, are folded into the balance: a payout
# dated before them is checked as of the fold. It bounds the memory a partner's history takes.
AS_OF_WINDOW = timedelta(days=366)


def _when(move: tuple[datetime, int]) -> datetime:
    return move[0]


@dataclass
class AvailableHistory:
    """Moves into and out of available (payouts aside) dated after `horizon`, in date order."""

    horizon: datetime | None = None
    moves: list[tuple[datetime, int]] = field(default_factory=list)

    def record(self, at: datetime, amount: int) -> None:
        """A credit (positive) or reversal (negative) of available money dated `at`."""
        if self.horizon is not None and at <= self.horizon:
            return
        # In UTC's one shared tzinfo: an input's parsed time carries a tzinfo object of its own,
        # and a partner keeps thousands of these dates.
        insort(self.moves, (at.astimezone(UTC), amount), key=_when)
        self.fold(self.moves[-1][0] - AS_OF_WINDOW)

    def fold(self, horizon: datetime) -> None:
        """Forget the dates of moves at or before `horizon`: no payout is checked before it."""
        if self.horizon is not None and horizon <= self.horizon:
            return
        self.horizon = horizon
        del self.moves[:bisect_right(self.moves, horizon, key=_when)]

    def dated_after(self, at: datetime) -> int:
        """The net of moves dated after `at` (those folded away are counted as before it)."""
        return sum(amount for _, amount in self.moves[bisect_right(self.moves, at, key=_when):])
