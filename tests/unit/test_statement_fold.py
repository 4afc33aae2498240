"""The statement fold: each line's cause, change, running balance, and the totals per cause."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from ledger.rules.statement import (
    Buckets,
    Period,
    StatementFold,
    StatementLine,
    statement_document,
)
from projections.statement_export import render

EXPENSE = "platform:commission_expense"
MARCH = datetime(2026, 3, 1, tzinfo=UTC)
PERIOD = Period("rex", "USD", MARCH, MARCH + timedelta(days=31))


def _line(position: int, cause: str, source: str, destination: str, amount: int) -> StatementLine:
    when = MARCH + timedelta(days=position)
    return StatementLine(position, 0, when, when, cause, "S-1", 1, None, source, destination, amount, "USD")


# Rex earns 10.00 pending, 2.50 is refunded, the sale is re-priced (+15.00 net), 7.50 matures, 5.00 is paid out.
LINES = [_line(1, "sale", EXPENSE, "partner:rex:pending", 1_000),
         _line(2, "refund", "partner:rex:pending", EXPENSE, 250),
         _line(3, "correction", "partner:rex:pending", EXPENSE, 750),
         _line(3, "correction", EXPENSE, "partner:rex:pending", 3_000),
         _line(3, "correction", "partner:rex:pending", EXPENSE, 750),
         _line(4, "maturation", "partner:rex:pending", "partner:rex:available", 2_250),
         _line(5, "payout", "partner:rex:available", "partner:rex:paid", 500)]


def test_a_repriced_sale_counts_as_a_correction_not_as_more_sales() -> None:
    totals = statement_document(PERIOD, Buckets(), LINES)["totals"]
    assert (totals["sale"], totals["refund"], totals["correction"]) == (1_000, -250, 1_500)


def test_maturation_totals_the_amount_moved_and_leaves_owed_alone() -> None:
    document = statement_document(PERIOD, Buckets(), LINES)
    assert document["totals"]["maturation"] == 2_250
    assert document["lines"][5]["balance"]["owed"] == document["lines"][4]["balance"]["owed"]


def test_a_payout_moves_available_to_paid_and_lowers_owed() -> None:
    line = statement_document(PERIOD, Buckets(), LINES)["lines"][-1]
    assert line["change"] == {"pending": 0, "available": -500, "paid": 500}
    assert line["balance"] == {"pending": 0, "available": 1_750, "paid": 500, "owed": 1_750}


def test_running_balances_start_from_the_opening() -> None:
    document = statement_document(PERIOD, Buckets(100, 200, 300), LINES[:1])
    assert document["lines"][0]["balance"] == {"pending": 1_100, "available": 200, "paid": 300, "owed": 1_300}


def test_times_are_iso_utc_strings() -> None:
    document = statement_document(PERIOD, Buckets(), LINES[:1])
    assert (document["from"], document["lines"][0]["occurred_at"]) == ("2026-03-01T00:00:00+00:00",
                                                                      "2026-03-02T00:00:00+00:00")


def test_the_streamed_json_is_the_document() -> None:
    fold = StatementFold("rex", Buckets(5, 6, 7))
    streamed = json.loads("".join(render("json", PERIOD, fold, fold.lines(LINES))))
    assert streamed == statement_document(PERIOD, Buckets(5, 6, 7), LINES)


def test_the_csv_has_a_marked_opening_row_one_row_per_line_and_a_marked_closing_row() -> None:
    fold = StatementFold("rex", Buckets(5, 6, 7))
    rows = list(csv.DictReader(io.StringIO("".join(render("csv", PERIOD, fold, fold.lines(LINES))))))
    assert [r["record"] for r in rows] == ["opening", *["line"] * len(LINES), "closing"]
    assert (rows[0]["owed"], rows[-1]["owed"], rows[-1]["paid"]) == ("11", "1761", "507")
