"""Payouts move available money to paid, checked against what was available as of their own date."""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Collection

from ledger.rules.periods import DAY_US
from schemas.reasons import Reason

# Moves older than this, behind the partner's newest one, are folded into the balance: a payout
# dated before them is checked as of the fold. It bounds the memory a partner's history takes.
AS_OF_WINDOW_US = 366 * DAY_US

Refusal = tuple[Reason, str]


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

    Two arrays of 64-bit integers (microseconds, minor units): 16 bytes a move. Beside them, the net
    of each day's moves: a payout waiting for funds is checked after every credit to its partner,
    and summing a busy partner's year of moves each time cost more than deciding everything else.
    """

    __slots__ = ("horizon", "at", "amounts", "days", "first_day")

    def __init__(self, horizon: int | None = None) -> None:
        self.horizon = horizon
        self.at: array[int] = array("q")
        self.amounts: array[int] = array("q")
        self.days: array[int] = array("q")  # the net of each day's moves, from `first_day` on
        self.first_day = 0

    def record(self, at_us: int, amount: int) -> None:
        """A credit (positive) or reversal (negative) of available money dated `at_us`."""
        if self.horizon is not None and at_us <= self.horizon:
            return
        at = self.at
        if not at or at_us > at[-1]:  # moves mostly come in date order: an append
            at.append(at_us)
            self.amounts.append(amount)
        else:
            index = bisect_right(at, at_us)
            if index and at[index - 1] == at_us:
                self.amounts[index - 1] += amount
            else:
                at.insert(index, at_us)
                self.amounts.insert(index, amount)
        self._add_to_day(at_us // DAY_US, amount)
        horizon = at[-1] - AS_OF_WINDOW_US
        if at[0] <= horizon:
            self.fold(horizon)
        elif self.horizon is None or horizon > self.horizon:
            self.horizon = horizon  # what `fold` does when no move is that old yet, without the call

    def _add_to_day(self, day: int, amount: int) -> None:
        days = self.days
        if not days:
            self.first_day = day
        elif day < self.first_day:
            days[0:0] = array("q", bytes(8 * (self.first_day - day)))
            self.first_day = day
        index = day - self.first_day
        if index >= len(days):
            days.extend(array("q", bytes(8 * (index - len(days) + 1))))
        days[index] += amount

    def fold(self, horizon: int) -> None:
        """Forget the dates of moves at or before `horizon`: no payout is checked before it."""
        if self.horizon is not None and horizon <= self.horizon:
            return
        self.horizon = horizon
        if self.at and self.at[0] <= horizon:  # else nothing is that old
            cut = bisect_right(self.at, horizon)
            for at_us, amount in zip(self.at[:cut], self.amounts[:cut], strict=True):
                self.days[at_us // DAY_US - self.first_day] -= amount
            del self.at[:cut]
            del self.amounts[:cut]
            if not self.at:
                del self.days[:]
            elif (gone := self.at[0] // DAY_US - self.first_day) > 0:
                del self.days[:gone]
                self.first_day += gone

    def dated_after(self, at_us: int) -> int:
        """The net of moves dated after `at_us` (those folded away count as before it)."""
        if not self.at:
            return 0
        day = at_us // DAY_US
        later_days = sum(self.days[max(day + 1 - self.first_day, 0):])
        at = self.at
        same_day = sum(self.amounts[bisect_right(at, at_us):bisect_left(at, (day + 1) * DAY_US)])
        return later_days + same_day


def available_as_of(available: int, history: AvailableHistory | None, at_us: int) -> int:
    """Available money as of `at_us`: moves dated after it are left out, payouts all count."""
    return available - (history.dated_after(at_us) if history is not None else 0)
