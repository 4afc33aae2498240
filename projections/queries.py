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
    """One row per currency the partner has money in."""
    rows = conn.execute(
        f"""SELECT partner_id, currency, pending, available, paid, lifetime_earned, lifetime_reversed
            FROM {SCHEMA}.partner_balances WHERE partner_id = %s ORDER BY currency""",
        (partner_id,),
    ).fetchall()
    return [BalanceRow(*row) for row in rows]


def all_balances(conn: psycopg.Connection[Any]) -> list[BalanceRow]:
    """Every partner's balances, ordered by partner and currency."""
    rows = conn.execute(
        f"""SELECT partner_id, currency, pending, available, paid, lifetime_earned, lifetime_reversed
            FROM {SCHEMA}.partner_balances ORDER BY partner_id, currency""",
    ).fetchall()
    return [BalanceRow(*row) for row in rows]
