"""The ledger's writer on its in-memory store, as the rule tests drive it: batches of received messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ledger.core.decision import Notice
from ledger.core.messages import Received
from ledger.rules.periods import micros
from ledger.store.memory import MemoryStore
from ledger.writer import LedgerWriter, Outcome
from schemas.reasons import Reason


class CoreLedger:
    """A writer on the in-memory store (parked events may be refused without waiting, as in the rule tests)."""

    def __init__(self, min_wait_s: float = 0, snapshot_every: int = 100_000, hot_sales: int = 100_000) -> None:
        self.store = MemoryStore()
        self.writer = LedgerWriter(self.store, min_wait_s=min_wait_s, snapshot_every=snapshot_every,
                                   hot_sales=hot_sales)

    def apply_batch(self, items: Sequence[Received]) -> Outcome:
        """Decide and write one batch."""
        return self.writer.apply(items)

    def mature_due(self, now: datetime, limit: int = 1000) -> int:
        """Mature the pending lines due by `now`."""
        return self.writer.mature(micros(now), limit)

    def refuse(self, item: Received, reason: Reason, detail: str) -> Outcome:
        """Dead-letter one message."""
        return self.writer.refuse(item, reason, detail)

    def reachable(self) -> bool:
        """Memory always answers."""
        return True

    def expire_parked(self) -> Outcome | None:
        """Refuse parked events past their grace."""
        return self.writer.expire_parked()

    def balance(self, partner_id: str, currency: str, bucket: str) -> int:
        """A partner's balance in one bucket."""
        partner = self.writer.state.partners.get(partner_id)
        buckets = partner.balances.get(currency) if partner else None
        return buckets[("pending", "available", "paid").index(bucket)] if buckets else 0

    def notified(self) -> list[Notice]:
        """Notifications recorded, once each, in order."""
        return list(self.store.notices.values())

    def oldest_parked_wall_us(self) -> int | None:
        """When the longest-waiting parked event was parked."""
        return min((w.parked_wall_us for w in self.writer.waiting.by_id.values()), default=None)


def lifetime_report(ledger: CoreLedger) -> dict[tuple[str, str], list[int]]:
    """Pending, available, paid, earned and reversed per (partner, currency), from every posting in the log."""
    from ledger.core.balances import balance_deltas
    from ledger.core.decision import Applied

    return balance_deltas(p for e in ledger.store.log if isinstance(e.decision, Applied) for p in e.decision.postings)
