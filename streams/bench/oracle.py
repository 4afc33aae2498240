"""What PostgreSQL must hold after a run: the same workload decided by the core in memory."""

from __future__ import annotations

from typing import Any

import psycopg

from ledger.core.changes import SaleRecorded
from ledger.core.decision import Applied
from ledger.store.memory import MemoryStore
from ledger.writer import LedgerWriter, received

Totals = dict[str, int]
# The in-memory store keeps every log entry in RAM.
ORACLE_MAX_EVENTS = 200_000


def expected_totals(lines: list[str]) -> Totals:
    """Commission earned and reversed, money paid out and sales recorded by the core in memory."""
    store = MemoryStore()
    writer = LedgerWriter(store)
    for start in range(0, len(lines), 1000):
        writer.apply([received(line.encode()) for line in lines[start:start + 1000]])
    totals = {"commission_earned": 0, "commission_reversed": 0, "paid_out": 0}
    sales: set[str] = set()
    for entry in store.log:
        if not isinstance(entry.decision, Applied):
            continue
        sales.update(c.sale_id for c in entry.decision.changes if isinstance(c, SaleRecorded))
        for posting in entry.decision.postings:
            if posting.cause == "commission":
                totals["commission_earned"] += posting.amount
            elif posting.cause in ("refund", "decline", "correction"):
                totals["commission_reversed"] += posting.amount
            elif posting.cause == "payout":
                totals["paid_out"] += posting.amount
    totals["sales"] = len(sales)
    return totals


def ledger_totals(conn: psycopg.Connection[Any], exclude_prefix: str) -> Totals:
    """The same totals read from the projections, leaving out sales whose id starts with `exclude_prefix`."""
    earned, reversed_ = conn.execute(
        "SELECT coalesce(sum(earned), 0), coalesce(sum(reversed), 0) FROM projections.commission_lines "
        "WHERE sale_id NOT LIKE %s", (f"{exclude_prefix}%",)).fetchone() or (0, 0)
    sales = conn.execute("SELECT count(*) FROM projections.sales WHERE sale_id NOT LIKE %s",
                         (f"{exclude_prefix}%",)).fetchone() or (0,)
    paid = conn.execute("SELECT coalesce(sum(paid), 0) FROM projections.partner_balances").fetchone() or (0,)
    return {"commission_earned": int(earned), "commission_reversed": int(reversed_), "paid_out": int(paid[0]),
            "sales": int(sales[0])}
