"""A read-only database role for analysts: the projection views, never the raw ledger or contact data."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from projections.tracking import SCHEMA

# Everything an analyst may read; `customer_contacts` and `partner_referrals` stay out (contact data).
ANALYST_OBJECTS = ("partner_balances", "partners", "programs", "sales", "declines", "commission_lines",
                   "statement_lines", "milestone_progress", "second_tier_attribution", "partner_period_totals",
                   "leaderboard", "partner_activity", "tracking")


def grant_analyst(conn: psycopg.Connection[Any], role: str, password: str | None) -> None:
    """Create (or update) a login role that can read exactly the analyst objects."""
    found = conn.execute("SELECT rolsuper OR rolcreaterole OR rolbypassrls OR rolname = current_user "
                         "FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if found and found[0]:
        raise ValueError(f"role {role} is privileged (or is you); choose a new name for the read-only role")
    verb = "ALTER" if found else "CREATE"
    statement = sql.SQL(verb + " ROLE {} LOGIN").format(sql.Identifier(role))
    if password:
        statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password))
    conn.execute(statement)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA), sql.Identifier(role)))
    for name in ANALYST_OBJECTS:
        conn.execute(sql.SQL("GRANT SELECT ON {}.{} TO {}").format(
            sql.Identifier(SCHEMA), sql.Identifier(name), sql.Identifier(role)))
