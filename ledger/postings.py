"""Double-entry postings between named accounts, in the shape of Formance's ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

COMMISSION_EXPENSE = "platform:commission_expense"


def partner_account(partner_id: str, bucket: str) -> str:
    """`partner:<id>:pending`, `…:available` or `…:paid`."""
    return f"partner:{partner_id}:{bucket}"


def partner_of_account(account: str) -> str | None:
    """The partner id in `partner:<id>:<bucket>`, or None for another account."""
    if not account.startswith("partner:"):
        return None
    return account[len("partner:"):account.rindex(":")]


@dataclass(frozen=True)
class Posting:
    """Move `amount` minor units of `currency` from `source` to `destination`."""

    source: str
    destination: str
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("a posting moves a non-negative amount; swap source and destination")

    def as_dict(self) -> dict[str, Any]:
        """Plain form used in stored events and JSON output."""
        return {
            "source": self.source,
            "destination": self.destination,
            "amount": self.amount,
            "currency": self.currency,
        }

    def bucket_moves(self, partner_id: str) -> list[tuple[str, int]]:
        """(bucket, signed amount) for each of the partner's accounts this posting moves."""
        prefix = f"partner:{partner_id}:"
        moves = []
        if self.destination.startswith(prefix):
            moves.append((self.destination.removeprefix(prefix), self.amount))
        if self.source.startswith(prefix):
            moves.append((self.source.removeprefix(prefix), -self.amount))
        return moves

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Posting:
        """Inverse of as_dict."""
        return cls(data["source"], data["destination"], int(data["amount"]), data["currency"])


def account_balances(postings: list[Posting]) -> dict[tuple[str, str], int]:
    """Balance of each (account, currency): money in minus money out."""
    balances: dict[tuple[str, str], int] = {}
    for posting in postings:
        out_key = (posting.source, posting.currency)
        in_key = (posting.destination, posting.currency)
        balances[out_key] = balances.get(out_key, 0) - posting.amount
        balances[in_key] = balances.get(in_key, 0) + posting.amount
    return balances
