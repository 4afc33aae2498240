"""Read-only queries over the projections, shared by the CLI and the HTTP API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

from projections.tracking import SCHEMA


@dataclass(frozen=True)
class BalanceRow:
    """A partner's balances in one currency, in minor units."""

    partner_id: str
    currency: str
    pending: int
    available: int
    paid: int
    lifetime_earned: int
    lifetime_reversed: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; money stays integer minor units."""
        return asdict(self)


def partner_balances(conn: psycopg.Connection[Any], partner_id: str) -> list[BalanceRow]:
    """One row per currency the partner has money in (none before projections exist)."""
    try:
        rows = _balance_rows(conn, partner_id)
    except psycopg.errors.UndefinedTable:
        return []
    return [BalanceRow(*row) for row in rows]


def _balance_rows(conn: psycopg.Connection[Any], partner_id: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        f"""SELECT partner_id, currency, pending, available, paid, lifetime_earned, lifetime_reversed
            FROM {SCHEMA}.partner_balances WHERE partner_id = %s ORDER BY currency""",
        (partner_id,),
    ).fetchall()


def all_balances(conn: psycopg.Connection[Any]) -> list[BalanceRow]:
    """Every partner's balances, ordered by partner and currency."""
    rows = conn.execute(
        f"""SELECT partner_id, currency, pending, available, paid, lifetime_earned, lifetime_reversed
            FROM {SCHEMA}.partner_balances ORDER BY partner_id, currency""",
    ).fetchall()
    return [BalanceRow(*row) for row in rows]


def balance_document(partner_id: str, rows: list[BalanceRow]) -> dict[str, Any]:
    """The JSON shape shared by `ledger balance --json` and the API: Money objects per currency."""
    def money(amount: int, currency: str) -> dict[str, Any]:
        return {"amount": amount, "currency": currency}

    return {
        "partner_id": partner_id,
        "balances": [
            {
                "currency": r.currency,
                "pending": money(r.pending, r.currency),
                "available": money(r.available, r.currency),
                "paid": money(r.paid, r.currency),
                "lifetime_earned": money(r.lifetime_earned, r.currency),
                "lifetime_reversed": money(r.lifetime_reversed, r.currency),
            }
            for r in rows
        ],
    }


def rows_as_dicts(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Run a read-only query; an absent projection reads as no rows."""
    try:
        cursor = conn.execute(sql, params)
    except psycopg.errors.UndefinedTable:
        return []
    names = [c.name for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def for_partner(conn: psycopg.Connection[Any], view: str, column: str, partner_id: str) -> list[dict[str, Any]]:
    """Rows of a projections view that belong to one partner."""
    return rows_as_dicts(conn, f"SELECT * FROM {SCHEMA}.{view} WHERE {column} = %s ORDER BY 1, 2, 3",
                         (partner_id,))


def leaderboard(conn: psycopg.Connection[Any], period_kind: str, period: str, by: str, currency: str,
                partner_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Partners ranked by revenue, sales or commission in one period (all, or one partner's row)."""
    rank = {"revenue": "rank_by_revenue", "sales": "rank_by_sales", "commission": "rank_by_commission"}[by]
    only = "AND partner_id = %s" if partner_id else ""
    params: tuple[Any, ...] = (period_kind, period, currency, *((partner_id,) if partner_id else ()), limit)
    return rows_as_dicts(conn, f"""
        SELECT {rank} AS rank, partner_id, sales, revenue, commission, currency FROM {SCHEMA}.leaderboard
        WHERE period_kind = %s AND period = %s AND currency = %s {only} ORDER BY {rank}, partner_id LIMIT %s""",
        params)
