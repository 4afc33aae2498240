"""At 80 columns the CLI's tables show every id whole: a narrower layout, never 'par…'."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from rich.table import Table

from projections.queries import BalanceRow
from streams import display, query_commands, statement_commands

PARTNER = "partner-with-a-long-id-0042"
SALE = "sale-2026-03-000123"


def _terminal(monkeypatch: pytest.MonkeyPatch, module: Any) -> Console:
    """An 80-column terminal standing in for the module's console."""
    terminal = Console(width=80, record=True, color_system=None)
    monkeypatch.setattr(module, "console", terminal)
    return terminal


def _milestone() -> dict[str, Any]:
    return {"partner_id": PARTNER, "program_id": "program-gold-2026", "milestone_id": "ten-sales-a-month",
            "period": "2026-03", "value": 3, "threshold": 10, "achieved": False, "achieved_at": None,
            "bonus_amount": 10_000, "bonus_currency": "USD", "times_awarded": 0, "remaining": 7}


def _buckets(pending: int, available: int, paid: int) -> dict[str, int]:
    return {"pending": pending, "available": available, "paid": paid, "owed": pending + available}


def _statement() -> dict[str, Any]:
    line = {"occurred_at": "2026-03-02T12:00:00+00:00", "recorded_at": "2026-03-02T12:00:00+00:00",
            "cause": "sale", "sale_id": SALE, "detail": None, "change": {"pending": 2_000, "available": 0, "paid": 0},
            "balance": _buckets(123_456, 1_500, 200_000)}
    return {"partner_id": PARTNER, "currency": "USD", "from": "2026-03-01T00:00:00+00:00",
            "to": "2026-04-01T00:00:00+00:00", "basis": "occurred", "opening": _buckets(0, 0, 0),
            "closing": _buckets(123_456, 1_500, 200_000), "totals": {"sale": 2_000}, "lines": [line]}


def test_the_milestone_table_shows_every_id_whole_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch, query_commands)
    query_commands.show([_milestone()], "Milestones", json_out=False)
    shown = terminal.export_text()
    assert all(name in shown for name in (PARTNER, "program-gold-2026", "ten-sales-a-month", "100.00 USD"))


def test_the_statement_table_shows_the_partner_and_each_sale_whole_at_80_columns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch, statement_commands)
    terminal.print(statement_commands._table(_statement()))
    shown = terminal.export_text()
    assert PARTNER in shown and SALE in shown and "1,249.56" in shown


def test_a_statement_too_wide_for_80_columns_keeps_owed_and_says_where_the_rest_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _terminal(monkeypatch, statement_commands)
    terminal.print(statement_commands._table(_statement()))
    caption = " ".join(terminal.export_text().split())  # as the terminal wrapped it
    assert "pending and available: a wider terminal, --json or --csv" in caption


def test_the_balances_table_shows_a_long_partner_id_whole_at_80_columns() -> None:
    rows = [BalanceRow(PARTNER, "USD", 123_456_789, 1_500, 200_000, 123_456_789, 0)]
    terminal = Console(width=80, record=True, color_system=None)
    terminal.print(display.fitted(display.balances_table(rows, title="Balances"), terminal.width))
    shown = terminal.export_text()
    assert PARTNER in shown and "1,234,567.89 USD" in shown


def test_a_table_that_fits_stays_a_table() -> None:
    rows = [BalanceRow("rex", "USD", 100, 0, 0, 100, 0)]
    assert isinstance(display.fitted(display.balances_table(rows), 80), Table)
