"""Payouts move available money to paid, checked against what was available as of their own date."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Collection

from schemas.reasons import Reason

# Moves older than this, behind the partner's newest one, are folded into the balance: a payout
# dated before them is checked as of the fold. It bounds the memory a partner's history takes.
AS_OF_WINDOW_US = 366 * 86_400_000_000

Refusal = tuple[Reason, str]
MAX_REMEMBERED = 16  # answers of `dated_after` kept per history


def payout_refusal(*, payout_ids: Collection[str], payout_id: str, amount: int, currency: str,
                   min_payout: tuple[int, str] | None) -> Refusal | None:
    """Why a payout is refused outright (reused id, below the program's minimum), or None."""
    if payout_id in payout_ids:
        return Reason.DUPLICATE_ID, f"payout {payout_id} was already recorded"
    if min_payout is not None and min_payout[1] == currency and amount < min_payout[0]:
        return Reason.BELOW_MIN_PAYOUT, f"payout {amount} {currency} is below the program's minimum {min_payout[0]}"
    return None


class AvailableHistory:
    """Moves into and out of available (payouts aside) dated after a horizon, in date order.

    Two arrays of 64-bit integers (microseconds, minor units): 16 bytes a move.
    """

    __slots__ = ("horizon", "at", "amounts", "sums")

    def __init__(self, horizon: int | None = None, at: array[int] | None = None,
                 amounts: array[int] | None = None) -> None:
        self.horizon = horizon
        self.at = at if at is not None else array("q")
        self.amounts = amounts if amounts is not None else array("q")
        # A payout waiting for funds asks after every credit: its answer so far, (moves counted, net
        # after it), is extended by the moves appended since. An insert or a fold clears them.
        self.sums: dict[int, tuple[int, int]] = {}

    def record(self, at_us: int, amount: int) -> None:
        """A credit (positive) or reversal (negative) of available money dated `at_us`."""
        if self.horizon is not None and at_us <= self.horizon:
            return
        at = self.at
        if not at or at_us > at[-1]:  # moves mostly come in date order: an append
            at.append(at_us)
            self.amounts.append(amount)
        else:
            self.sums.clear()
            index = bisect_right(at, at_us)
            if index and at[index - 1] == at_us:
                self.amounts[index - 1] += amount
            else:
                at.insert(index, at_us)
                self.amounts.insert(index, amount)
        horizon = at[-1] - AS_OF_WINDOW_US
        if at[0] <= horizon:
            self.fold(horizon)
        elif self.horizon is None or horizon > self.horizon:
            self.horizon = horizon  # what `fold` does when no move is that old yet, without the call

    def fold(self, horizon: int) -> None:
        """Forget the dates of moves at or before `horizon`: no payout is checked before it."""
        if self.horizon is not None and horizon <= self.horizon:
            return
        self.horizon = horizon
        if self.at and self.at[0] <= horizon:  # else nothing is that old
            cut = bisect_right(self.at, horizon)
            self.sums.clear()
            del self.at[:cut]
            del self.amounts[:cut]

    def dated_after(self, at_us: int) -> int:
        """The net of moves dated after `at_us` (those folded away count as before it)."""
        at, count = self.at, len(self.at)
        counted, net = self.sums.get(at_us, (0, 0))
        if counted < count:
            net += sum(self.amounts[bisect_right(at, at_us, lo=counted):])
            if len(self.sums) >= MAX_REMEMBERED and at_us not in self.sums:
                self.sums.clear()
            self.sums[at_us] = (count, net)
        return net


def available_as_of(available: int, history: AvailableHistory | None, at_us: int) -> int:
    """Available money as of `at_us`: moves dated after it are left out, payouts all count."""
    return available - (history.dated_after(at_us) if history is not None else 0)
