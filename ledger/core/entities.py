"""The entities the writer decides with: plain objects with slots, integers for money and time.

There is one `Sale` per sale ever recorded, so sales and their lines are the bulk of the state,
and a full pass of the cyclic garbage collector would visit every one of them. Sales, partners
and progress are msgspec Structs with gc=False: the collector does not track them (nor the dicts
that hold them), which is safe because none refers to anything that could refer back to it.
"""

from __future__ import annotations

from bisect import insort

import msgspec

from ledger.rules.payouts import AvailableHistory, available_as_of
from ledger.rules.terms import Terms


class Program:
    """Every version of a program's terms, in effect order."""

    __slots__ = ("program_id", "versions")

    def __init__(self, program_id: str) -> None:
        self.program_id = program_id
        self.versions: list[Terms] = []

    def add(self, terms: Terms) -> None:
        """A version, wherever it falls in effect order."""
        insort(self.versions, terms, key=lambda t: t.order)

    def terms_at(self, at_us: int) -> Terms | None:
        """The version in effect at `at_us`, or None before the first."""
        found = None
        for terms in self.versions:
            if terms.effective_us > at_us:
                break
            found = terms
        return found

    def version(self, event_id: str) -> Terms | None:
        """The version configured by event `event_id`."""
        return next((t for t in self.versions if t.event_id == event_id), None)


class Partner(msgspec.Struct, gc=False):
    """A partner: recruiter, program memberships over time and the balances of its accounts."""

    partner_id: str
    recruited_by: str | None
    email_digest: str
    memberships: tuple[tuple[int, str, str], ...] = ()  # (from, event id, program id), in time order
    balances: dict[str, list[int]] = {}  # currency -> [pending, available, paid]
    history: dict[str, AvailableHistory] = {}
    payout_ids: set[str] | None = None  # made by the first payout

    def program_at(self, at_us: int) -> str:
        """The program the partner was in at `at_us` (the first one before they joined)."""
        current = self.memberships[0][2]
        for effective, _, program_id in self.memberships:
            if effective > at_us:
                break
            current = program_id
        return current

    def available(self, currency: str) -> int:
        """The available balance in a currency now."""
        buckets = self.balances.get(currency)
        return buckets[1] if buckets else 0

    def available_as_of(self, currency: str, at_us: int) -> int:
        """Available as of `at_us`: moves dated after it are left out, payouts all count."""
        return available_as_of(self.available(currency), self.history.get(currency), at_us)


class Line(msgspec.Struct, frozen=True, gc=False):
    """One commission line of a sale's current attempt; replaced, never changed, when money moves on it."""

    partner_id: str
    level: int
    amount: int
    bucket: str
    reversed: int = 0


class Sale(msgspec.Struct, gc=False):
    """A sale credited to a partner, its current attempt's lines and what came back of them."""

    sale_id: str
    partner_id: str
    currency: str
    product_id: str = ""
    amount: int = 0
    subscription_id: str | None = None
    contact_id: str = ""
    own_customer: bool = False
    program_id: str = ""
    terms_version: str = ""
    attempt: int = 0
    revision: int = 0
    lines: tuple[Line, ...] = ()
    note: str | None = None
    at_us: int = 0
    refunded: int = 0
    declined: bool = False
    refund_ids: set[str] | None = None  # made by the first refund: most sales have none

    @property
    def counts_for_milestones(self) -> bool:
        """A sale counts toward milestones when it earns level-1 commission."""
        return any(line.level == 1 and line.amount > 0 for line in self.lines)

    @property
    def still_counted(self) -> int:
        """1 while refunds have not taken the whole sale back, else 0."""
        return 1 if self.refunded < self.amount else 0


class Progress(msgspec.Struct, gc=False):
    """One partner's progress on one milestone in one period."""

    value: int = 0
    awarded: bool = False
    awards: int = 0
    bonus: tuple[int, str, bool] | None = None  # (amount, currency, claw-backable) as awarded
    awarded_us: int = 0


class Subscription:
    """Payments sharing a subscription id, and which of them hold a slot under the cap."""

    __slots__ = ("first_us", "earning")

    def __init__(self, first_us: int) -> None:
        self.first_us = first_us
        self.earning: dict[str, int] = {}  # sale id -> payment time
