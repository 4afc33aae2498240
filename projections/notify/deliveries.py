"""The delivery log: claiming due deliveries without holding a transaction open, and recording each attempt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from projections.notify.schema import SCHEMA

# Claimed rows are leased to the claiming connection's backend. A lease ends when it expires, or as soon as
# its holder's connection is gone: a dispatcher killed mid-send leaves its rows to the next one at once.
_CLAIM = f"""WITH claimed AS (
        UPDATE {SCHEMA}.deliveries d SET lease_until = now() + make_interval(secs => %(lease)s),
               leased_by = pg_backend_pid()
        WHERE delivery_id IN (SELECT delivery_id FROM {SCHEMA}.deliveries l
                              WHERE status = 'pending' AND due_at <= now()
                                AND (lease_until IS NULL OR lease_until < now()
                                     OR NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = l.leased_by))
                              ORDER BY due_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED)
        RETURNING d.delivery_id, d.transaction_id, d.channel, d.target, d.body::text AS body, d.attempts)
    SELECT c.delivery_id, c.transaction_id, c.channel, c.target, c.body, c.attempts, e.url, e.secret, p.email
    FROM claimed c
    LEFT JOIN {SCHEMA}.endpoints e ON c.channel = 'webhook' AND e.endpoint_id = c.target AND e.removed_at IS NULL
    LEFT JOIN ledger.personal_data p ON c.channel = 'email' AND p.kind = 'partner' AND p.id = c.target"""


@dataclass(frozen=True)
class Due:
    """A delivery to attempt now, with where it goes (a URL and secret, or an address)."""

    delivery_id: UUID
    transaction_id: UUID
    channel: str
    target: str
    body: str
    attempts: int
    url: str | None
    secret: str | None
    email: str | None


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: a status code or an error, and whether it counts as delivered."""

    delivered: bool
    status_code: int | None = None
    error: str | None = None
    final: bool = False  # nothing to retry (no address, endpoint removed)


async def claim(conn: psycopg.AsyncConnection[Any], limit: int, lease_s: float) -> list[Due]:
    """Lease up to `limit` due deliveries (others' leases are skipped, not waited for)."""
    cursor = await conn.execute(_CLAIM, {"lease": lease_s, "limit": limit})
    return [Due(*row) for row in await cursor.fetchall()]


async def record(conn: psycopg.AsyncConnection[Any], due: Due, outcome: Outcome, retry_in_s: float | None) -> str:
    """Log the attempt and move the delivery on: delivered, due again after `retry_in_s`, or failed."""
    attempt = due.attempts + 1
    if outcome.delivered:
        status = "delivered"
    elif outcome.final:
        status = "skipped"
    else:
        status = "pending" if retry_in_s is not None else "failed"
    # One statement, so atomic without a transaction block: deliveries in flight share the connection.
    await conn.execute(
        f"""WITH logged AS (INSERT INTO {SCHEMA}.attempts (delivery_id, attempt, status_code, error)
                            VALUES (%(id)s, %(attempt)s, %(code)s, %(error)s) ON CONFLICT DO NOTHING)
            UPDATE {SCHEMA}.deliveries SET status = %(status)s, attempts = %(attempt)s, lease_until = NULL, leased_by = NULL,
                   last_error = %(error)s, delivered_at = CASE WHEN %(delivered)s THEN now() END,
                   due_at = now() + make_interval(secs => %(retry)s)
            WHERE delivery_id = %(id)s""",
        {"id": due.delivery_id, "attempt": attempt, "code": outcome.status_code, "error": outcome.error,
         "status": status, "delivered": outcome.delivered, "retry": retry_in_s or 0.0})
    return status
