"""Hold periods ending: each pending line due by now moves to available, once."""

from __future__ import annotations

import heapq

from ledger.core.changes import LineMatured
from ledger.core.decision import Applied
from ledger.core.keys import funds_key
from ledger.core.state import State
from ledger.rules.holds import maturity_ref
from ledger.rules.postings import Posting, partner_account


def due_maturities(state: State, now_us: int, limit: int) -> list[tuple[str, Applied]]:
    """Up to `limit` maturations due by `now_us`, each (its log key, its decision); taken off the heap.

    A line refunded, declined or corrected since it was held is skipped: its heap entry is stale.
    """
    found: list[tuple[str, Applied]] = []
    heap = state.maturities
    while heap and heap[0][0] <= now_us and len(found) < limit:
        due, sale_id, attempt, revision, level = heapq.heappop(heap)
        sale = state.sales.get(sale_id)
        if sale is None or (sale.attempt, sale.revision) != (attempt, revision):
            continue
        line = next((ln for ln in sale.lines if ln.level == level), None)
        if line is None or line.bucket != "pending":
            continue
        postings, released = [], []
        remaining = line.amount - line.reversed
        if remaining > 0:
            # Dated at the due time, not the timer's tick, so "as of" answers follow event time.
            postings.append(Posting(partner_account(line.partner_id, "pending"),
                                    partner_account(line.partner_id, "available"), remaining, sale.currency,
                                    "maturation", sale_id, level, due))
            released.append(funds_key(line.partner_id, sale.currency))
        found.append((f"maturation:{maturity_ref(sale_id, attempt, revision, level)}",
                      Applied([LineMatured(sale_id, attempt, revision, level)], postings, [], released)))
    return found
