"""Whether the ledger has seen a partner: an unknown id and a partner with nothing yet answer differently."""

from __future__ import annotations

from typing import Any

import psycopg

from projections.tracking import SCHEMA


def partner_known(conn: psycopg.Connection[Any], partner_id: str) -> bool:
    """True once the partner's join is projected, or it has money; False before any read model exists."""
    # The balances are the writer's own, moved in each batch: they know a partner while the
    # directory's projection still lags (or runs elsewhere and is down).
    try:
        row = conn.execute(f"""SELECT EXISTS (SELECT 1 FROM {SCHEMA}.partners WHERE partner_id = %s)
                                   OR EXISTS (SELECT 1 FROM {SCHEMA}.partner_balances WHERE partner_id = %s)""",
                           (partner_id, partner_id)).fetchone()
    except psycopg.errors.UndefinedTable:
        return False
    return bool(row and row[0])
