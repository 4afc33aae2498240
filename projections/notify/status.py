"""Where the notifier stands: the feed's position against the ledger head, and the deliveries by status."""

from __future__ import annotations

from typing import Any

import psycopg

from projections.notify.schema import FEED, SCHEMA
from projections.tracking import SCHEMA as PROJECTIONS

_STATUS = f"""SELECT (SELECT position FROM {PROJECTIONS}.tracking WHERE projection = %s) AS position,
    (SELECT coalesce(max(notification_id), 0) FROM ledger.entries) AS head,
    count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'delivered') AS delivered,
    count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'skipped') AS skipped
    FROM {SCHEMA}.deliveries"""


def notification_status(conn: psycopg.Connection[Any]) -> dict[str, int] | None:
    """The feed's position and lag, and how many deliveries are pending, delivered, failed or skipped;
    None where the notifier has no tables (a database provisioned before it)."""
    try:
        with conn.transaction():
            row = conn.execute(_STATUS, (FEED,)).fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege):
        return None
    if row is None:
        return None
    position, head, pending, delivered, failed, skipped = (int(value or 0) for value in row)
    return {"position": position, "lag": max(0, head - position), "pending": pending, "delivered": delivered,
            "failed": failed, "skipped": skipped}
