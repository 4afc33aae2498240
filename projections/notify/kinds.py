"""What a ledger transaction tells partners: one notice per posting that moves a partner's money."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from ledger.rules.periods import instant
from ledger.rules.postings import Posting, account_owner

# Posting cause → notice kind; maturations move money between a partner's own buckets and tell nothing.
KIND_OF_CAUSE = {"commission": "commission_earned", "refund": "commission_reversed",
                 "decline": "commission_reversed", "correction": "commission_reversed",
                 "bonus": "bonus_awarded", "clawback": "bonus_clawed_back", "payout": "payout_sent"}
CREDITED = frozenset({"commission", "bonus"})  # the partner is the destination; otherwise the source
KINDS = tuple(dict.fromkeys(KIND_OF_CAUSE.values()))


class Notice(NamedTuple):
    """One thing a partner is told: what kind, how much, about what (a sale, a milestone or a payout)."""

    partner_id: str
    kind: str
    amount: int
    currency: str
    ref: str
    level: int
    at_us: int

    def document(self) -> dict[str, object]:
        """The notice as it appears in a delivery's body (money in integer minor units)."""
        about = {"commission_earned": "sale_id", "commission_reversed": "sale_id", "payout_sent": "payout_id"}
        body: dict[str, object] = {"kind": self.kind, "partner_id": self.partner_id,
                                   "amount": {"amount": self.amount, "currency": self.currency},
                                   about.get(self.kind, "milestone"): self.ref,
                                   "occurred_at": instant(self.at_us).isoformat()}
        if self.level:
            body["level"] = self.level
        return body


def notices(postings: Iterable[Posting]) -> list[Notice]:
    """The notices of one transaction's postings, in their order; nothing for a zero amount."""
    found = []
    for posting in postings:
        kind = KIND_OF_CAUSE.get(posting.cause)
        if kind is None or posting.amount == 0:
            continue
        owner = account_owner(posting.destination if posting.cause in CREDITED else posting.source)
        if owner is None:
            continue
        found.append(Notice(owner[0], kind, posting.amount, posting.currency, posting.ref, posting.level,
                            posting.at_us))
    return found
