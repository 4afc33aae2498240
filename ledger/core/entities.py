"""The entities the writer decides with: plain objects with slots, integers for money and time."""

from __future__ import annotations

from bisect import insort

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


class Partner:
    """A partner: recruiter, program memberships over time and the balances of its accounts."""

    __slots__ = ("partner_id", "recruited_by", "email_digest", "memberships", "balances", "history",
                 "payout_ids")

    def __init__(self, partner_id: str, recruited_by: str | None, email_digest: str) -> None:
        self.partner_id = partner_id
        self.recruited_by = recruited_by
        self.email_digest = email_digest
        self.memberships: list[tuple[int, str, str]] = []  # (from, event id, program id), in time order
        self.balances: dict[str, list[int]] = {}  # currency -> [pending, available, paid]
        self.history: dict[str, AvailableHistory] = {}
        self.payout_ids: set[str] = set()

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


class Line:
    """One commission line of a sale's current attempt."""

    __slots__ = ("partner_id", "level", "amount", "bucket", "reversed")

    def __init__(self, partner_id: str, level: int, amount: int, bucket: str, reversed_: int = 0) -> None:
        self.partner_id = partner_id
        self.level = level
        self.amount = amount
        self.bucket = bucket
        self.reversed = reversed_


class Sale:
    """A sale credited to a partner, its current attempt's lines and what came back of them."""

    __slots__ = ("sale_id", "partner_id", "product_id", "amount", "currency", "subscription_id", "contact_id",
                 "own_customer", "program_id", "terms_version", "attempt", "revision", "lines", "note", "at_us",
                 "refunded", "declined", "refund_ids")

    def __init__(self, sale_id: str, partner_id: str, currency: str) -> None:
        self.sale_id = sale_id
        self.partner_id = partner_id
        self.currency = currency
        self.product_id = ""
        self.amount = 0
        self.subscription_id: str | None = None
        self.contact_id = ""
        self.own_customer = False
        self.program_id = ""
        self.terms_version = ""
        self.attempt = 0
        self.revision = 0
        self.lines: list[Line] = []
        self.note: str | None = None
        self.at_us = 0
        self.refunded = 0
        self.declined = False
        self.refund_ids: set[str] = set()

    @property
    def counts_for_milestones(self) -> bool:
        """A sale counts toward milestones when it earns level-1 commission."""
        return any(line.level == 1 and line.amount > 0 for line in self.lines)

    @property
    def still_counted(self) -> int:
        """1 while refunds have not taken the whole sale back, else 0."""
        return 1 if self.refunded < self.amount else 0


class Progress:
    """One partner's progress on one milestone in one period."""

    __slots__ = ("value", "awarded", "awards", "bonus", "awarded_us")

    def __init__(self) -> None:
        self.value = 0
        self.awarded = False
        self.awards = 0
        self.bonus: tuple[int, str, bool] | None = None  # (amount, currency, claw-backable) as awarded
        self.awarded_us = 0

    def copy(self) -> Progress:
        """A copy to draft changes on."""
        other = Progress()
        other.value, other.awarded, other.awards = self.value, self.awarded, self.awards
        other.bonus, other.awarded_us = self.bonus, self.awarded_us
        return other


class Subscription:
    """Payments sharing a subscription id, and which of them hold a slot under the cap."""

    __slots__ = ("first_us", "earning")

    def __init__(self, first_us: int) -> None:
        self.first_us = first_us
        self.earning: dict[str, int] = {}  # sale id -> payment time
