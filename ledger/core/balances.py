"""Per partner and currency, how a batch's postings move pending, available, paid, lifetime earned and reversed."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.rules.postings import Posting, account_owner

COLUMNS = ("pending", "available", "paid", "lifetime_earned", "lifetime_reversed")
_BUCKET = {"pending": 0, "available": 1, "paid": 2}
# A bonus clawed back is taken off what was earned, not counted as reversed: whether a bonus is
# awarded and clawed back, or never awarded, depends on the order its sales and refunds arrive
# in, and the report must not. Commission reversals are order-free (a refund waits for its sale).
_EARNED = {"commission": 1, "bonus": 1, "clawback": -1}
_REVERSED = frozenset({"refund", "decline", "correction"})


def balance_deltas(postings: Iterable[Posting]) -> dict[tuple[str, str], list[int]]:
    """How much each column of each (partner, currency) row moves."""
    deltas: dict[tuple[str, str], list[int]] = {}
    for posting in postings:
        for account, sign in ((posting.destination, 1), (posting.source, -1)):
            owner = account_owner(account)
            if owner is None:
                continue
            row = deltas.get(key := (owner[0], posting.currency))
            if row is None:
                row = deltas[key] = [0, 0, 0, 0, 0]
            row[_BUCKET[owner[1]]] += sign * posting.amount
        partner = account_owner(posting.destination if posting.cause in ("commission", "bonus") else posting.source)
        if partner is None:
            continue
        row = deltas[(partner[0], posting.currency)]
        if posting.cause in _EARNED:
            row[3] += _EARNED[posting.cause] * posting.amount
        elif posting.cause in _REVERSED:
            row[4] += posting.amount
    return deltas
