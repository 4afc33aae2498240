"""Tables of the `notify` schema: endpoints, the follower's view of settings, deliveries and their attempts.

Made by the owner when the database is provisioned; the projector role keeps them (ledger/store/roles.py).
"""

from __future__ import annotations

from typing import Any

import psycopg

SCHEMA = "notify"
FEED = "notifications"  # the follower's name in projections.tracking

DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    # An endpoint hears one partner, or every partner of one program; only transactions logged after it was added.
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.endpoints (
        endpoint_id text PRIMARY KEY, url text NOT NULL, secret text NOT NULL, partner_id text, program_id text,
        kinds text[], since_position bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz, CHECK ((partner_id IS NULL) <> (program_id IS NULL)))""",
    # The follower's own copy of what it needs, as of its position (not the read models', which move apart).
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.program_settings (
        program_id text NOT NULL, version_from timestamptz NOT NULL, event_id text NOT NULL, kinds text[] NOT NULL,
        email boolean NOT NULL, PRIMARY KEY (program_id, version_from, event_id))""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.memberships (
        partner_id text NOT NULL, effective_from timestamptz NOT NULL, event_id text NOT NULL,
        program_id text NOT NULL, PRIMARY KEY (partner_id, effective_from, event_id))""",
    # One delivery per ledger transaction and target: the UNIQUE key is what makes a replay send nothing twice.
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.deliveries (
        delivery_id uuid PRIMARY KEY DEFAULT gen_random_uuid(), position bigint NOT NULL,
        transaction_id uuid NOT NULL, channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
        target text NOT NULL, body jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
        attempts int NOT NULL DEFAULT 0, due_at timestamptz NOT NULL DEFAULT now(), lease_until timestamptz,
        leased_by int,
        created_at timestamptz NOT NULL DEFAULT now(), delivered_at timestamptz, last_error text,
        UNIQUE (transaction_id, channel, target))""",
    f"CREATE INDEX IF NOT EXISTS deliveries_due ON {SCHEMA}.deliveries (due_at) WHERE status = 'pending'",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.attempts (
        delivery_id uuid NOT NULL REFERENCES {SCHEMA}.deliveries ON DELETE CASCADE, attempt int NOT NULL,
        at timestamptz NOT NULL DEFAULT now(), status_code int, error text, PRIMARY KEY (delivery_id, attempt))""",
]


def create_notify_schema(conn: psycopg.Connection[Any]) -> None:
    """Create the notify schema's tables (idempotent; two processes starting together take turns).

    Provisioning made them already; a command run as a role that may not create (LEDGER_WRITER_URL) skips it.
    """
    made = conn.execute(f"SELECT to_regclass('{SCHEMA}.attempts') IS NOT NULL").fetchone()
    if made and made[0]:
        return
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('notify-ddl'))")
        for statement in DDL:
            conn.execute(statement)
