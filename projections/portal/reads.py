"""What the partner center reads beyond the shared queries: program, maturation dates, ranks within a program."""

from __future__ import annotations

from typing import Any

import psycopg

from ledger.rules.postings import partner_account
from projections.queries import rows_as_dicts
from projections.tracking import SCHEMA

RANKED_BY = ("revenue", "sales", "commission")


def program_of(conn: psycopg.Connection[Any], partner_id: str) -> dict[str, Any]:
    """The settings of the program the partner is in now (the `programs` view); defaults before it is known."""
    rows = rows_as_dicts(conn, f"""SELECT g.* FROM {SCHEMA}.partners p JOIN {SCHEMA}.programs g USING (program_id)
                                   WHERE p.partner_id = %s""", (partner_id,))
    return rows[0] if rows else {"program_id": None, "name": "", "referral_info": "none", "show_declines": False,
                                 "show_purchase_history": False, "show_leaderboard_names": False, "hold_days": 0,
                                 "milestones": []}


def maturing(conn: psycopg.Connection[Any], partner_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """Commission still pending, by the day it becomes available: the sale's time plus the hold of the
    program version in effect at that time (what the ledger's maturation uses), per currency."""
    return rows_as_dicts(conn, f"""
        WITH pending AS (
            SELECT sale_id, currency, sum(CASE WHEN destination = %s THEN amount
                                               WHEN source = %s THEN -amount ELSE 0 END)::bigint AS amount
            FROM {SCHEMA}.statement_lines WHERE partner_id = %s AND sale_id IS NOT NULL
            GROUP BY sale_id, currency)
        SELECT ((s.occurred_at + make_interval(days => coalesce(v.hold_days, 0))) AT TIME ZONE 'UTC')::date
                   AS available_on, trim(p.currency) AS currency, sum(p.amount)::bigint AS amount
        FROM pending p JOIN {SCHEMA}.sales s USING (sale_id)
        LEFT JOIN LATERAL (SELECT hold_days FROM {SCHEMA}.program_versions
                           WHERE program_id = s.program_id AND version_from <= s.occurred_at
                           ORDER BY version_from DESC, event_id DESC LIMIT 1) v ON true
        WHERE p.amount > 0 GROUP BY 1, 2 ORDER BY 1, 2 LIMIT %s""",
        (*[partner_account(partner_id, "pending")] * 2, partner_id, limit))


def program_ranks(conn: psycopg.Connection[Any], program_id: str, partner_id: str, period: tuple[str, str],
                  by: str, currency: str, limit: int = 20) -> list[dict[str, Any]]:
    """Partners of one program ranked for a period: the first `limit`, and the partner's own row wherever it is."""
    column = {name: name for name in RANKED_BY}[by]  # only a known column reaches the SQL
    return rows_as_dicts(conn, f"""
        SELECT * FROM (
            SELECT rank() OVER (ORDER BY t.{column} DESC) AS rank, t.partner_id, p.name, t.sales, t.revenue,
                   t.commission, trim(t.currency) AS currency
            FROM {SCHEMA}.partner_period_totals t JOIN {SCHEMA}.partners p USING (partner_id)
            WHERE p.program_id = %s AND t.period_kind = %s AND t.period = %s AND t.currency = %s) ranked
        WHERE rank <= %s OR partner_id = %s ORDER BY rank, partner_id""",
        (program_id, *period, currency, limit, partner_id))


def currencies(conn: psycopg.Connection[Any], partner_id: str) -> list[str]:
    """The currencies the partner has money in, USD first when there is none."""
    rows = rows_as_dicts(conn, f"SELECT DISTINCT trim(currency) AS c FROM {SCHEMA}.statement_lines "
                               "WHERE partner_id = %s ORDER BY 1", (partner_id,))
    return [row["c"] for row in rows] or ["USD"]


def top_partners(conn: psycopg.Connection[Any], limit: int = 10) -> list[dict[str, Any]]:
    """The first `limit` partners by lifetime revenue, per currency (the `leaderboard` view)."""
    return rows_as_dicts(conn, f"""
        SELECT l.rank_by_revenue AS rank, l.partner_id, p.name, p.program_id, l.revenue, l.sales, l.commission,
               trim(l.currency) AS currency
        FROM {SCHEMA}.leaderboard l LEFT JOIN {SCHEMA}.partners p USING (partner_id)
        WHERE l.period_kind = 'lifetime' AND l.rank_by_revenue <= %s ORDER BY l.currency, rank, l.partner_id""",
        (limit,))
