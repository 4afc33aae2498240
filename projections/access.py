"""API keys: made by `ledger keys create`, stored hashed, revocable; a partner key sees one partner."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg

DDL = [
    "CREATE SCHEMA IF NOT EXISTS access",
    """CREATE TABLE IF NOT EXISTS access.api_keys (
        key_id text PRIMARY KEY, key_hash text NOT NULL UNIQUE, kind text NOT NULL CHECK (kind IN ('partner', 'analyst')),
        partner_id text, created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz,
        CHECK ((kind = 'partner') = (partner_id IS NOT NULL)))""",
    # Partner-center sessions signed out before they expired (projections/portal/session.py), by digest.
    """CREATE TABLE IF NOT EXISTS access.ended_sessions (
        session_digest text PRIMARY KEY, expires_at timestamptz NOT NULL)""",
]


@dataclass(frozen=True)
class Principal:
    """Who a request's key belongs to."""

    key_id: str
    kind: str
    partner_id: str | None

    def may_see(self, partner_id: str) -> bool:
        """Analysts see every partner; a partner key sees only its own partner."""
        return self.kind == "analyst" or self.partner_id == partner_id


def _digest(secret: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 is enough to keep them unrecoverable.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(conn: psycopg.Connection[Any], partner_id: str | None) -> tuple[str, str]:
    """A new key for a partner (or an analyst when None): returns (key id, the secret, shown once)."""
    _ensure(conn)
    key_id, secret = secrets.token_hex(4), f"lk_{secrets.token_urlsafe(32)}"
    conn.execute("INSERT INTO access.api_keys (key_id, key_hash, kind, partner_id) VALUES (%s, %s, %s, %s)",
                 (key_id, _digest(secret), "partner" if partner_id else "analyst", partner_id))
    return key_id, secret


def revoke_key(conn: psycopg.Connection[Any], key_id: str) -> bool:
    """Revoke a key; False if there is no such active key."""
    _ensure(conn)
    cursor = conn.execute("UPDATE access.api_keys SET revoked_at = now() WHERE key_id = %s AND revoked_at IS NULL",
                          (key_id,))
    return cursor.rowcount == 1


def list_keys(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    """Every key, oldest first: id, kind, partner, created, revoked - never the secret nor its hash."""
    _ensure(conn)
    cursor = conn.execute("SELECT key_id, kind, partner_id, created_at, revoked_at FROM access.api_keys "
                          "ORDER BY created_at, key_id")
    names = [column.name for column in cursor.description or []]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def principal_for(conn: psycopg.Connection[Any], secret: str) -> Principal | None:
    """The holder of an active key, or None."""
    try:
        row = conn.execute("SELECT key_id, kind, partner_id FROM access.api_keys "
                           "WHERE key_hash = %s AND revoked_at IS NULL", (_digest(secret),)).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return Principal(*row) if row else None


def active_principal(conn: psycopg.Connection[Any], key_id: str) -> Principal | None:
    """The holder of key `key_id` while it is active (a session re-checks it on every request), or None."""
    try:
        row = conn.execute("SELECT key_id, kind, partner_id FROM access.api_keys "
                           "WHERE key_id = %s AND revoked_at IS NULL", (key_id,)).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return Principal(*row) if row else None


def _ensure(conn: psycopg.Connection[Any]) -> None:
    for statement in DDL:
        conn.execute(statement)
