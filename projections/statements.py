"""Statements and past balances read from `statement_lines`: opening sums, the period's lines, as of / as known at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg

from ledger.rules.postings import BUCKETS, partner_account
from ledger.rules.statement import Buckets, Period, StatementLine
from projections.queries import BalanceRow
from projections.tracking import SCHEMA

TIME = {"occurred": "occurred_at", "recorded": "recorded_at"}  # the column each basis reads time from
# The posting's cause, from the kind and detail the projection stores (a re-priced sale's lines say "correction").
CAUSE = """CASE WHEN kind = 'commission' AND detail = 'correction' THEN 'correction'
                WHEN kind = 'commission' THEN 'sale' WHEN kind = 'reversal' THEN detail
                WHEN kind = 'bonus_clawback' THEN 'clawback' ELSE kind END"""
DETAIL = "CASE WHEN kind IN ('commission', 'reversal') THEN NULL ELSE detail END"
# Sums of bigint are numeric in PostgreSQL: cast back, so money stays int.
_SUMS = ", ".join(f"coalesce(sum(CASE WHEN destination = %(b{i})s THEN amount WHEN source = %(b{i})s "
                  f"THEN -amount ELSE 0 END), 0)::bigint" for i in range(len(BUCKETS)))
# Lifetime figures as partner_balances keeps them: a clawed-back bonus is taken off earned, not reversed.
_LIFETIME = ("coalesce(sum(CASE WHEN kind IN ('commission', 'bonus') THEN amount "
             "WHEN kind = 'bonus_clawback' THEN -amount ELSE 0 END), 0)::bigint, "
             "coalesce(sum(CASE WHEN kind = 'reversal' THEN amount ELSE 0 END), 0)::bigint")


def _accounts(partner_id: str) -> dict[str, str]:
    return {f"b{i}": partner_account(partner_id, bucket) for i, bucket in enumerate(BUCKETS)}


@contextmanager
def snapshot(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    """One consistent view of the read models, so the opening and the lines agree while projections move on."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield conn


def opening(conn: psycopg.Connection[Any], period: Period) -> Buckets:
    """The partner's buckets in the currency from every line before the period starts."""
    column = TIME[period.basis]
    row = conn.execute(
        f"SELECT {_SUMS} FROM {SCHEMA}.statement_lines "
        f"WHERE partner_id = %(p)s AND currency = %(c)s AND {column} < %(t)s",
        _accounts(period.partner_id) | {"p": period.partner_id, "c": period.currency, "t": period.start},
    ).fetchone()
    return Buckets(*row) if row else Buckets()


def lines(conn: psycopg.Connection[Any], period: Period) -> Iterator[StatementLine]:
    """The period's lines in [start, end), by time, position and line, streamed row by row."""
    column = TIME[period.basis]
    with conn.cursor() as cursor:
        yield from (StatementLine(*row) for row in cursor.stream(
            f"""SELECT position, line, occurred_at, recorded_at, {CAUSE}, sale_id, level, {DETAIL}, source, destination,
                   amount, currency
            FROM {SCHEMA}.statement_lines
            WHERE partner_id = %s AND currency = %s AND {column} >= %s AND {column} < %s
            ORDER BY {column}, position, line""",
            (period.partner_id, period.currency, period.start, period.end)))


def line_count(conn: psycopg.Connection[Any], period: Period) -> int:
    """How many lines the period holds (for a progress bar)."""
    column = TIME[period.basis]
    row = conn.execute(f"SELECT count(*) FROM {SCHEMA}.statement_lines WHERE partner_id = %s AND currency = %s "
                       f"AND {column} >= %s AND {column} < %s",
                       (period.partner_id, period.currency, period.start, period.end)).fetchone()
    return int(row[0]) if row else 0


def balances_at(conn: psycopg.Connection[Any], partner_id: str, when: datetime, basis: str) -> list[BalanceRow]:
    """The partner's balances per currency from the lines dated (occurred) or recorded at or before `when`."""
    try:
        rows = conn.execute(
            f"SELECT currency, {_SUMS}, {_LIFETIME} FROM {SCHEMA}.statement_lines "
            f"WHERE partner_id = %(p)s AND {TIME[basis]} <= %(t)s GROUP BY currency ORDER BY currency",
            _accounts(partner_id) | {"p": partner_id, "t": when}).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
    return [BalanceRow(partner_id, currency.strip(), *sums) for currency, *sums in rows]
