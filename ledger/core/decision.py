"""What `decide` returns: a transaction applied, an event parked, or a refusal; and the draft it builds."""

from __future__ import annotations

from typing import NamedTuple

import msgspec
from msgspec.structs import replace

from ledger.core.changes import Change, SubscriptionStarted
from ledger.core.entities import Progress, Subscription
from ledger.core.state import ProgressKey, State
from ledger.rules.postings import Posting, check_balanced
from schemas.reasons import Reason


class Notice(NamedTuple):
    """One earned commission line to announce on the notifications topic."""

    partner_id: str
    sale_id: str
    level: int
    amount: int
    currency: str
    at_us: int
    event_id: str
    attempt: int
    revision: int

    @property
    def key(self) -> str:
        """Unique per commission line: a redelivered sale never notifies twice (a correction does)."""
        suffix = f".{self.revision}" if self.revision else ""
        return f"{self.sale_id}:{self.attempt}{suffix}:{self.level}:{self.partner_id}"


class Need(NamedTuple):
    """What a payout parked for funds needs: this much available to its partner, as of its date."""

    partner_id: str
    currency: str
    amount: int
    at_us: int


class Applied(msgspec.Struct, frozen=True, gc=False):
    """The event is recorded: its facts, its postings, what it announces and what it releases."""

    changes: list[Change]
    postings: list[Posting]
    notices: list[Notice]
    released: list[str]


class Parked(NamedTuple):
    """The event waits for `waiting_for`; refused with `reason` if it never comes."""

    waiting_for: str
    reason: Reason
    detail: str
    need: Need | None = None


class Refused(NamedTuple):
    """The event breaks a rule of money: it goes to the dead-letter queue with this reason."""

    reason: Reason
    detail: str


Decision = Applied | Parked | Refused


class Draft:
    """An Applied decision under construction; reads of progress and subscriptions see what it drafted."""

    __slots__ = ("state", "changes", "postings", "notices", "released", "_progress", "_subscriptions")

    def __init__(self, state: State) -> None:
        self.state = state
        self.changes: list[Change] = []
        self.postings: list[Posting] = []
        self.notices: list[Notice] = []
        self.released: list[str] = []
        self._progress: dict[ProgressKey, Progress] | None = None  # made when first read: most decisions need none
        self._subscriptions: dict[str, Subscription] | None = None

    def progress(self, key: ProgressKey) -> Progress:
        """A copy of the progress to draft on (new if none)."""
        if self._progress is None:
            self._progress = {}
        found = self._progress.get(key)
        if found is None:
            stored = self.state.progress.get(key)
            found = self._progress[key] = replace(stored) if stored is not None else Progress()
        return found

    def subscription(self, subscription_id: str, first_us: int) -> Subscription:
        """A copy of the subscription to draft on; started by this payment if it is the first."""
        if self._subscriptions is None:
            self._subscriptions = {}
        found = self._subscriptions.get(subscription_id)
        if found is None:
            stored = self.state.subscriptions.get(subscription_id)
            if stored is None:
                self.changes.append(SubscriptionStarted(subscription_id, first_us))
                found = Subscription(first_us)
            else:
                found = Subscription(stored.first_us)
                found.earning = dict(stored.earning)
            self._subscriptions[subscription_id] = found
        return found

    def done(self) -> Applied:
        """The decision; its postings are checked to balance."""
        check_balanced(self.postings)
        return Applied(self.changes, self.postings, self.notices, self.released)
