"""A partner's statement: an opening balance folded with the period's lines into running balances and totals.

Pure: the caller reads the opening balance and the lines; this module only adds them up, so the
closing of one period is the opening of the next by construction. Format: commission-ledger/statement@1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ledger.rules.postings import account_owner

FORMAT = "commission-ledger/statement@1"
CAUSES = ("sale", "refund", "decline", "correction", "bonus", "clawback", "maturation", "payout")
BASES = ("occurred", "recorded")  # event time ("as of") or recorded time ("as known at")


@dataclass(frozen=True)
class Buckets:
    """A partner's money in one currency: pending, available and paid, in minor units."""

    pending: int = 0
    available: int = 0
    paid: int = 0

    @property
    def owed(self) -> int:
        """What the platform still owes the partner: pending + available."""
        return self.pending + self.available

    def plus(self, other: Buckets) -> Buckets:
        """Both added bucket by bucket."""
        return Buckets(self.pending + other.pending, self.available + other.available, self.paid + other.paid)

    def change(self) -> dict[str, int]:
        """The three buckets, as a line's signed change."""
        return {"pending": self.pending, "available": self.available, "paid": self.paid}

    def balance(self) -> dict[str, int]:
        """The three buckets and what is owed, as a balance."""
        return self.change() | {"owed": self.owed}


class StatementLine(NamedTuple):
    """One posting that moved the partner's money, as read from the ledger (cause already named)."""

    position: int
    line: int
    occurred_at: datetime
    recorded_at: datetime
    cause: str
    sale_id: str | None
    level: int | None
    detail: str | None
    source: str
    destination: str
    amount: int
    currency: str


@dataclass(frozen=True)
class Period:
    """What a statement is about: a partner, a currency, [start, end) and the time basis."""

    partner_id: str
    currency: str
    start: datetime
    end: datetime
    basis: str = "occurred"


def iso(when: datetime) -> str:
    """An ISO-8601 UTC string (naive times are taken as UTC)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def change_of(partner_id: str, source: str, destination: str, amount: int) -> Buckets:
    """How a posting moves this partner's buckets: plus into its account, minus out of it."""
    moved = {"pending": 0, "available": 0, "paid": 0}
    for account, sign in ((destination, 1), (source, -1)):
        owner = account_owner(account)
        if owner is not None and owner[0] == partner_id and owner[1] in moved:
            moved[owner[1]] += sign * amount
    return Buckets(**moved)


class StatementFold:
    """Running balance and totals per cause, line by line, from an opening balance."""

    def __init__(self, partner_id: str, opening: Buckets) -> None:
        self.partner_id = partner_id
        self.opening = opening
        self.balance = opening
        self.totals = dict.fromkeys(CAUSES, 0)
        self.count = 0

    def add(self, line: StatementLine) -> dict[str, Any]:
        """The line as a document line, with its change and the running balance after it."""
        change = change_of(self.partner_id, line.source, line.destination, line.amount)
        self.balance = self.balance.plus(change)
        self.count += 1
        # Maturation leaves what is owed alone; its figure is the amount moved pending -> available.
        self.totals[line.cause] += change.available if line.cause == "maturation" else change.owed
        return {"position": line.position, "line": line.line, "occurred_at": iso(line.occurred_at),
                "recorded_at": iso(line.recorded_at), "cause": line.cause, "sale_id": line.sale_id,
                "level": line.level, "detail": line.detail, "source": line.source,
                "destination": line.destination, "amount": line.amount, "currency": line.currency,
                "change": change.change(), "balance": self.balance.balance()}

    def lines(self, lines: Iterable[StatementLine]) -> Iterator[dict[str, Any]]:
        """Each line folded in order (lazily, so a long statement needs no more memory than a short one)."""
        for line in lines:
            yield self.add(line)

    def summary(self) -> dict[str, Any]:
        """Opening, closing and totals so far."""
        return {"opening": self.opening.balance(), "closing": self.balance.balance(), "totals": dict(self.totals)}


def header(period: Period) -> dict[str, Any]:
    """The document's fields that do not depend on its lines."""
    return {"format": FORMAT, "partner_id": period.partner_id, "currency": period.currency,
            "from": iso(period.start), "to": iso(period.end), "basis": period.basis}


def statement_document(period: Period, opening: Buckets, lines: Iterable[StatementLine]) -> dict[str, Any]:
    """The whole statement: header, opening, closing, totals per cause and every line with its running balance."""
    fold = StatementFold(period.partner_id, opening)
    folded = list(fold.lines(lines))
    return header(period) | fold.summary() | {"lines": folded}


def owed_change(totals: dict[str, int]) -> int:
    """What the totals change in what is owed (maturation moves money between buckets, not out)."""
    return sum(amount for cause, amount in totals.items() if cause != "maturation")


def balance_of(partner_id: str, lines: Iterable[StatementLine], start: Buckets | None = None) -> Buckets:
    """The buckets after `lines` from `start` (nothing by default): what an opening balance sums."""
    balance = start or Buckets()
    for line in lines:
        balance = balance.plus(change_of(partner_id, line.source, line.destination, line.amount))
    return balance
