"""Paging sales out: the writer's memory stays level however long the history grows.

Only sales with no pending line leave memory (a pending line is still on the maturity heap), the
oldest recorded first. They are written to the store in the same transaction as the snapshot
taken right after, so what is paged out is exactly what that snapshot leaves out.
"""

from __future__ import annotations

from ledger.core.entities import Sale
from ledger.core.state import State

DEFAULT_HOT_SALES = 100_000  # sales kept in memory after paging out, beside those with a pending line


def page_out(state: State, keep: int) -> list[Sale]:
    """Take the oldest sales with nothing pending out of memory until at most `keep` remain; returns them."""
    excess = len(state.sales) - keep
    if excess <= 0:
        return []
    chosen: list[Sale] = []
    for sale in state.sales.values():
        if len(chosen) >= excess:
            break
        if all(line.bucket != "pending" for line in sale.lines):
            chosen.append(sale)
    for sale in chosen:
        del state.sales[sale.sale_id]
        _unlist(state.sales_by_partner, sale.partner_id, sale.sale_id)
        _unlist(state.sales_by_program, sale.program_id, sale.sale_id)
        state.paged_out.add(sale.sale_id)
    return chosen


def _unlist(index: dict[str, dict[str, int]], key: str, sale_id: str) -> None:
    listed = index.get(key)
    if listed is not None:
        listed.pop(sale_id, None)
        if not listed:
            del index[key]
