"""Webhook endpoints: added by `ledger webhooks add` with a signing secret shown once, listed without it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import psycopg

from ledger.errors import LedgerError
from ledger.store.schema import LOG_TABLE
from projections.notify.schema import SCHEMA


class EndpointError(LedgerError):
    """An endpoint cannot be added or found."""


@dataclass(frozen=True)
class Endpoint:
    """Where to send and how to sign."""

    endpoint_id: str
    url: str
    secret: str


def add_endpoint(conn: psycopg.Connection[Any], url: str, *, partner_id: str | None = None,
                 program_id: str | None = None, kinds: list[str] | None = None) -> Endpoint:
    """A new endpoint for one partner or one program; it hears transactions logged from now on."""
    if (partner_id is None) == (program_id is None):
        raise EndpointError("give exactly one of --partner ID or --program ID")
    if not url.startswith(("http://", "https://")):
        raise EndpointError(f"{url!r} is not an http(s) URL; give e.g. https://partner.example/hooks/ledger")
    endpoint = Endpoint(f"wh_{secrets.token_hex(6)}", url, f"whsec_{secrets.token_urlsafe(32)}")
    with conn.transaction():
        conn.execute(f"INSERT INTO {SCHEMA}.endpoints (endpoint_id, url, secret, partner_id, program_id, kinds, "
                     "since_position) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                     (endpoint.endpoint_id, url, endpoint.secret, partner_id, program_id, kinds or None,
                      _head(conn)))
    return endpoint


def _head(conn: psycopg.Connection[Any]) -> int:
    # Before the first `ledger run` there is no log yet: the endpoint hears everything.
    made = conn.execute(f"SELECT to_regclass('ledger.{LOG_TABLE}') IS NOT NULL").fetchone()
    if not (made and made[0]):
        return 0
    head = conn.execute(f"SELECT coalesce(max(notification_id), 0) FROM ledger.{LOG_TABLE}").fetchone()
    return int(head[0]) if head else 0


def list_endpoints(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every endpoint with its delivery counts by status (never its secret)."""
    cursor = conn.execute(
        f"""SELECT e.endpoint_id, e.url, e.partner_id, e.program_id, array_to_string(e.kinds, ',') AS kinds,
                   e.created_at, e.removed_at,
                   count(*) FILTER (WHERE d.status = 'delivered') AS delivered,
                   count(*) FILTER (WHERE d.status = 'pending') AS pending,
                   count(*) FILTER (WHERE d.status = 'failed') AS failed
            FROM {SCHEMA}.endpoints e
            LEFT JOIN {SCHEMA}.deliveries d ON d.channel = 'webhook' AND d.target = e.endpoint_id
            GROUP BY e.endpoint_id ORDER BY e.created_at, e.endpoint_id""")
    names = [c.name for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_endpoint(conn: psycopg.Connection[Any], endpoint_id: str) -> Endpoint:
    """An active endpoint by id; the error says how to list them."""
    row = conn.execute(f"SELECT endpoint_id, url, secret FROM {SCHEMA}.endpoints WHERE endpoint_id = %s "
                       "AND removed_at IS NULL", (endpoint_id,)).fetchone()
    if row is None:
        raise EndpointError(f"no active webhook endpoint {endpoint_id!r}; `ledger webhooks list` shows them")
    return Endpoint(*row)


def remove_endpoint(conn: psycopg.Connection[Any], endpoint_id: str) -> bool:
    """Stop sending to an endpoint (its delivery log stays); False if there is no such active endpoint."""
    cursor = conn.execute(f"UPDATE {SCHEMA}.endpoints SET removed_at = now() WHERE endpoint_id = %s "
                          "AND removed_at IS NULL", (endpoint_id,))
    return cursor.rowcount == 1


def recent_deliveries(conn: psycopg.Connection[Any], limit: int = 50) -> list[dict[str, Any]]:
    """The delivery log, newest first: target, status, attempts, the last error (never a body or address)."""
    cursor = conn.execute(
        f"""SELECT delivery_id::text, position, transaction_id::text, channel, target, status, attempts,
                   created_at, delivered_at, last_error
            FROM {SCHEMA}.deliveries ORDER BY created_at DESC, position DESC LIMIT %s""", (limit,))
    names = [c.name for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
