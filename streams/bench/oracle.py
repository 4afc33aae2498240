"""What PostgreSQL must hold after a run: the same workload decided by the in-memory ledger."""

from __future__ import annotations

from typing import Any

import psycopg

from ledger.application import LedgerApp
from ledger.batch import Inbound
from schemas.parsing import parse_event

Totals = dict[str, int]
# The in-memory ledger keeps every stored event in RAM: about 19 GB, and crawling, near a million.
ORACLE_MAX_EVENTS = 200_000
_SUMMED = {"Partner.CommissionAccrued": "commission_earned", "Partner.CommissionReversed": "commission_reversed",
           "Partner.PayoutSent": "paid_out"}


def expected_totals(lines: list[str]) -> Totals:
    """Commission earned and reversed, money paid out and sales recorded by the in-memory ledger."""
    app = LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for start in range(0, len(lines), 1000):
        app.apply_batch([Inbound(parse_event(line.encode()), line.encode()) for line in lines[start:start + 1000]])
    totals = dict.fromkeys([*_SUMMED.values(), "sales"], 0)
    sales: set[str] = set()
    for notification in app.recorder.select_notifications(start=1, limit=10**9):
        event: Any = app.mapper.to_domain_event(notification)
        name = type(event).__qualname__
        if name in _SUMMED:
            totals[_SUMMED[name]] += event.amount
        elif name == "Sale.Recorded":
            sales.add(event.sale_id)
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
