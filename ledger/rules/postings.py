"""Double-entry postings and transactions, in the shape of Formance's ledger."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

COMMISSION_EXPENSE = "platform:commission_expense"
BUCKETS = ("pending", "available", "paid")


_ACCOUNTS: dict[tuple[str, str], str] = {}
_OWNERS: dict[str, tuple[str, str] | None] = {}
_CACHED = 200_000  # accounts named at most, so the caches stay bounded


def partner_account(partner_id: str, bucket: str) -> str:
    """`partner:<id>:pending`, `…:available` or `…:paid`."""
    account = _ACCOUNTS.get((partner_id, bucket))
    if account is None:
        if len(_ACCOUNTS) > _CACHED:
            _ACCOUNTS.clear()
        account = _ACCOUNTS[(partner_id, bucket)] = f"partner:{partner_id}:{bucket}"
    return account


def account_owner(account: str) -> tuple[str, str] | None:
    """(partner id, bucket) of `partner:<id>:<bucket>`, or None for a platform account."""
    try:
        return _OWNERS[account]
    except KeyError:
        pass
    owner = None
    if account.startswith("partner:"):
        partner_id, _, bucket = account[8:].rpartition(":")
        owner = (partner_id, bucket)
    if len(_OWNERS) > _CACHED:
        _OWNERS.clear()
    _OWNERS[account] = owner
    return owner


class Posting(NamedTuple):
    """Move `amount` of `currency` from `source` to `destination`, for `cause`, about `ref`.

    `at_us` dates the move for "as of" questions: a sale's time for its commission, the
    refund's for its reversal. `level` is the commission level (0 when there is none).
    """

    source: str
    destination: str
    amount: int
    currency: str
    cause: str
    ref: str
    level: int
    at_us: int


class UnbalancedError(ValueError):
    """A transaction whose postings do not balance (a bug in a rule, never an input's fault)."""


def check_balanced(postings: Iterable[Posting]) -> None:
    """Each posting moves a non-negative whole amount between two different accounts.

    A posting takes from one account what it gives another, so a set of such postings sums to
    zero per currency by construction; what can go wrong is a negative, fractional or
    self-cancelling one, which is refused here.
    """
    for posting in postings:
        amount = posting.amount
        if type(amount) is not int or amount < 0:
            raise UnbalancedError(f"posting of {amount!r} {posting.currency}: amounts are whole and >= 0")
        if posting.source == posting.destination:
            raise UnbalancedError(f"posting from {posting.source} to itself")


def account_balances(postings: Iterable[Posting]) -> dict[tuple[str, str], int]:
    """Balance of each (account, currency): money in minus money out."""
    balances: dict[tuple[str, str], int] = {}
    for posting in postings:
        out_key = (posting.source, posting.currency)
        in_key = (posting.destination, posting.currency)
        balances[out_key] = balances.get(out_key, 0) - posting.amount
        balances[in_key] = balances.get(in_key, 0) + posting.amount
    return balances
