"""Where the notifier stands: the feed's position against the ledger head, and the deliveries by status."""

from __future__ import annotations

from typing import Any

import psycopg

from projections.tracking import SCHEMA

STATUSES = ("pending", "delivered", "failed", "skipped")


def notification_status(conn: psycopg.Connection[Any], head: int) -> dict[str, int | None] | None:
    """The feed's position and lag (None for a feed that never ran: notifications off) and how many deliveries
    are pending, delivered, failed or skipped; None where the notifier has no tables or grant yet.

    Read through `projections.notification_summary()`, which the API's role may call (projections/status.py).
    """
    try:
        with conn.transaction():
            rows = conn.execute(f"SELECT feed_position, status, n FROM {SCHEMA}.notification_summary()").fetchall()
    # Provisioned before the notifier: no function yet, or not yet granted (`ledger provision` grants it).
    except (psycopg.errors.UndefinedFunction, psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege):
        return None
    if not rows:
        return None
    position = None if rows[0][0] is None else int(rows[0][0])
    counts = {status: int(n) for _, status, n in rows if status is not None}
    return {"position": position, "lag": None if position is None else max(0, head - position)} | {
        status: counts.get(status, 0) for status in STATUSES}
