"""Human output: money in major units, aligned tables."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from projections.portal.money import (
    format_money as format_money,  # shared with the partner center
)
from projections.queries import BalanceRow
from schemas.bounds import CONTROL_CHARACTER


def safe(text: object) -> str:
    """Text from the ledger as the terminal should show it: no markup, no control character."""
    return escape(CONTROL_CHARACTER.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text)))


def balances_table(rows: Sequence[BalanceRow], title: str = "Partner balances") -> Table:
    """One row per partner and currency."""
    table = Table(title=title)
    table.add_column("partner", no_wrap=True)
    for column in ("pending", "available", "paid", "earned", "reversed"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(safe(row.partner_id), *(format_money(v, row.currency) for v in (
            row.pending, row.available, row.paid, row.lifetime_earned, row.lifetime_reversed)))
    return table


def fits(table: Table, width: int) -> bool:
    """Whether every no-wrap column (ids, money) gets its widest cell in `width`; the others fold, never '…'."""
    measurer = Console(width=10_000, file=io.StringIO())
    options = measurer.options
    for column in table.columns:
        if column.no_wrap:
            column.min_width = max(Measurement.get(measurer, options, cell).maximum
                                   for cell in [column.header, *column.cells])
        else:
            column.overflow = "fold"
    return Measurement.get(measurer, options, table).minimum <= width


def fitted(table: Table, width: int) -> RenderableType:
    """The table if it fits `width` whole, else one block per row: rich would cut ids to 'par…'."""
    return table if fits(table, width) else vertical(table)


def vertical(table: Table) -> Group:
    """A table as one block of `header  value` lines per row, under its title; empty cells left out."""
    cells = [list(column.cells) for column in table.columns]
    blocks: list[RenderableType] = [Text.from_markup(str(table.title), style="bold")] if table.title else []
    for row in range(table.row_count):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for column, values in zip(table.columns, cells, strict=True):
            if values[row] != "":
                grid.add_row(column.header, values[row])
        blocks += [Text(""), grid]
    if table.caption:
        blocks += [Text(""), Text.from_markup(str(table.caption))]
    return Group(*blocks)
