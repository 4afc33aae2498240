"""Statements of consecutive periods chain, and each adds up, whatever the lines and the split points."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledger.rules.postings import Posting, account_balances
from ledger.rules.statement import (
    Period,
    StatementLine,
    balance_of,
    owed_change,
    statement_document,
)

PARTNER = "P:1"  # a colon in the id: accounts are split on their last colon
EXPENSE = "platform:commission_expense"
START = datetime(2026, 1, 1, tzinfo=UTC)
# Each cause moves money the way the ledger's rules do: (source, destination) for partner P:1.
MOVES = {
    "sale": [(EXPENSE, f"partner:{PARTNER}:pending"), (EXPENSE, f"partner:{PARTNER}:available")],
    "correction": [(EXPENSE, f"partner:{PARTNER}:available"), (f"partner:{PARTNER}:pending", EXPENSE)],
    "refund": [(f"partner:{PARTNER}:pending", EXPENSE), (f"partner:{PARTNER}:available", EXPENSE)],
    "decline": [(f"partner:{PARTNER}:available", EXPENSE)],
    "bonus": [(EXPENSE, f"partner:{PARTNER}:available")],
    "clawback": [(f"partner:{PARTNER}:available", EXPENSE)],
    "maturation": [(f"partner:{PARTNER}:pending", f"partner:{PARTNER}:available")],
    "payout": [(f"partner:{PARTNER}:available", f"partner:{PARTNER}:paid")],
}


@st.composite
def histories(draw: st.DrawFn) -> list[StatementLine]:
    """A partner's lines in time order (several may share an instant), amounts possibly driving buckets negative."""
    lines, hour = [], 0
    for position in range(draw(st.integers(min_value=0, max_value=40))):
        hour += draw(st.integers(min_value=0, max_value=30))
        cause = draw(st.sampled_from(sorted(MOVES)))
        source, destination = draw(st.sampled_from(MOVES[cause]))
        when = START + timedelta(hours=hour)
        lines.append(StatementLine(position + 1, 0, when, when, cause, "S-1", 1, None, source, destination,
                                   draw(st.integers(min_value=0, max_value=10**12)), "USD"))
    return lines


def _statement(lines: list[StatementLine], start: datetime, end: datetime) -> dict[str, object]:
    before = [ln for ln in lines if ln.occurred_at < start]
    during = [ln for ln in lines if start <= ln.occurred_at < end]
    return statement_document(Period(PARTNER, "USD", start, end), balance_of(PARTNER, before), during)


cuts = st.lists(st.integers(min_value=0, max_value=1_300), min_size=3, max_size=3, unique=True).map(sorted)


@given(histories(), cuts)
def test_the_closing_of_a_period_is_the_opening_of_the_next(lines: list[StatementLine], hours: list[int]) -> None:
    first, second, third = (START + timedelta(hours=h) for h in hours)
    assert _statement(lines, first, second)["closing"] == _statement(lines, second, third)["opening"]


@given(histories(), cuts)
def test_two_chained_periods_close_where_one_period_over_both_closes(lines: list[StatementLine],
                                                                     hours: list[int]) -> None:
    first, second, third = (START + timedelta(hours=h) for h in hours)
    assert _statement(lines, second, third)["closing"] == _statement(lines, first, third)["closing"]


@given(histories(), cuts)
def test_the_closing_owed_is_the_opening_owed_plus_the_totals(lines: list[StatementLine], hours: list[int]) -> None:
    document = _statement(lines, START + timedelta(hours=hours[0]), START + timedelta(hours=hours[2]))
    assert document["closing"]["owed"] == document["opening"]["owed"] + owed_change(document["totals"])


@given(histories(), cuts)
def test_the_running_balance_after_the_last_line_is_the_closing(lines: list[StatementLine], hours: list[int]) -> None:
    document = _statement(lines, START + timedelta(hours=hours[0]), START + timedelta(hours=hours[2]))
    running = [line["balance"] for line in document["lines"]]
    assert (running or [document["opening"]])[-1] == document["closing"]


@given(histories())
def test_a_statement_over_everything_closes_at_the_balance_of_every_line(lines: list[StatementLine]) -> None:
    document = _statement(lines, START, START + timedelta(days=400))
    assert document["opening"] == {"pending": 0, "available": 0, "paid": 0, "owed": 0}
    moved = account_balances(Posting(ln.source, ln.destination, ln.amount, "USD", "x", "", 0, 0) for ln in lines)
    pending, available, paid = (moved.get((f"partner:{PARTNER}:{b}", "USD"), 0) for b in ("pending", "available", "paid"))
    assert document["closing"] == {"pending": pending, "available": available, "paid": paid,
                                   "owed": pending + available}
