"""Paging sales out: the writer's memory stays level however long the history grows.

Only sales with no pending line leave memory (a pending line is still on the maturity heap), the
oldest recorded first. They are written to the store in the same transaction as the snapshot
taken right after, so what is paged out is exactly what that snapshot leaves out.
"""

from __future__ import annotations

from typing import NamedTuple

from ledger.core.entities import Sale
from ledger.core.state import State

DEFAULT_HOT_SALES = 100_000  # sales kept in memory after paging out, beside those with a pending line


class PagedOut(NamedTuple):
    """Sales taken out of memory: those never paged out before, and those paged out again."""

    fresh: list[Sale]
    again: list[Sale]  # or perhaps never: the Bloom filter's false positives land here too


def page_out(state: State, keep: int) -> PagedOut:
    """Take the oldest sales with nothing pending out of memory until at most `keep` remain."""
    excess = len(state.sales) - keep
    if excess <= 0:
        return PagedOut([], [])
    chosen: list[Sale] = []
    for sale in state.sales.values():
        if len(chosen) >= excess:
            break
        if all(line.bucket != "pending" for line in sale.lines):
            chosen.append(sale)
    paged = PagedOut([], [])
    for sale in chosen:
        del state.sales[sale.sale_id]
        _unlist(state.sales_by_partner, sale.partner_id, sale.sale_id)
        _unlist(state.sales_by_program, sale.program_id, sale.sale_id)
        (paged.again if state.paged_out.might_contain(sale.sale_id) else paged.fresh).append(sale)
        state.paged_out.add(sale.sale_id)
    return paged


def _unlist(index: dict[str, dict[str, int]], key: str, sale_id: str) -> None:
    listed = index.get(key)
    if listed is not None:
        listed.pop(sale_id, None)
        if not listed:
            del index[key]
