"""A statement written out as it is read: JSON (the statement@1 document) or CSV, in chunks of text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import psycopg

from ledger.rules.statement import (
    Period,
    StatementFold,
    header,
    iso,
    statement_document,
)
from projections import statements

FORMATS = ("json", "csv")
CSV_COLUMNS = ("record", "position", "line", "occurred_at", "recorded_at", "cause", "sale_id", "level", "detail",
               "source", "destination", "amount", "currency", "change_pending", "change_available", "change_paid",
               "pending", "available", "paid", "owed")
Progress = Callable[[int], None]


def document(conn: psycopg.Connection[Any], period: Period) -> dict[str, Any]:
    """The whole statement in memory (fine for a period; exports of large ones use `export`)."""
    with statements.snapshot(conn):
        return statement_document(period, statements.opening(conn, period), statements.lines(conn, period))


def export(conn: psycopg.Connection[Any], period: Period, fmt: str, progress: Progress | None = None) -> Iterator[str]:
    """The statement as text chunks, one per line, read from one consistent snapshot in bounded memory."""
    with statements.snapshot(conn):
        fold = StatementFold(period.partner_id, statements.opening(conn, period))
        yield from render(fmt, period, fold, _counted(fold.lines(statements.lines(conn, period)), progress))


def render(fmt: str, period: Period, fold: StatementFold, lines: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The folded lines as JSON or CSV text, chunk by chunk (the closing is known once the lines are through)."""
    return (_json if fmt == "json" else _csv)(period, fold, lines)


def _counted(lines: Iterable[dict[str, Any]], progress: Progress | None) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if progress is not None and number % 1000 == 0:
            progress(number)
        yield line


def _json(period: Period, fold: StatementFold, lines: Iterable[dict[str, Any]]) -> Iterator[str]:
    # The same keys as statement_document; the closing and totals come last, once every line is counted.
    yield json.dumps(header(period) | {"opening": fold.opening.balance()})[:-1] + ', "lines": ['
    for number, line in enumerate(lines):
        yield ("," if number else "") + "\n" + json.dumps(line)
    summary = fold.summary()
    yield "\n], " + json.dumps({"closing": summary["closing"], "totals": summary["totals"]})[1:] + "\n"


def _csv(period: Period, fold: StatementFold, lines: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")

    def row(values: dict[str, Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    writer.writeheader()
    yield buffer.getvalue()
    yield row(_edge("opening", period, iso(period.start), fold.opening.balance()))
    for line in lines:
        yield row(line | {"record": "line"} | {f"change_{k}": v for k, v in line["change"].items()} | line["balance"])
    yield row(_edge("closing", period, iso(period.end), fold.balance.balance()))


def _edge(record: str, period: Period, when: str, balance: dict[str, int]) -> dict[str, Any]:
    """The opening or closing row: the balance at the period's edge, marked in the `record` column."""
    time = "occurred_at" if period.basis == "occurred" else "recorded_at"
    return {"record": record, time: when, "currency": period.currency} | balance
