"""The application's own database roles, and exactly the privileges each needs; none owns a table.

A role that owns a table may `ALTER TABLE … DISABLE TRIGGER`; a superuser may also
`SET session_replication_role = replica`. Either turns the append-only log into an editable one.
So the owner runs every DDL statement and grants these roles only what their statements need:

- the writer appends to the log (`ledger.entries`, `chain`, `seals`: SELECT and INSERT only) and
  keeps its side tables and the balances it writes in each batch;
- the projector reads the log and keeps the other read models: it may not append to the log, and
  the writer may not rewrite the read models it does not keep;
- the API reads the projections and the API keys, nothing of the `ledger` schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ledger.errors import LedgerError

WRITER, PROJECTOR, API = "ledger_writer", "ledger_projector", "ledger_api"
NAMES = {"writer": WRITER, "projector": PROJECTOR, "api": API}  # the default name of each kind of role
ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
SCHEMAS = ("ledger", "projections", "access", "notify")
READ_APPEND = "SELECT, INSERT"
READ_WRITE = "SELECT, INSERT, UPDATE"

# (schema, table or ALL, privileges) per kind of role; an object not listed is not granted.
GRANTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "writer": (
        ("ledger", "entries", READ_APPEND), ("ledger", "chain", READ_APPEND), ("ledger", "seals", READ_APPEND),
        ("ledger", "dead_letters", READ_WRITE), ("ledger", "source_positions", READ_WRITE),
        ("ledger", "notifications", READ_WRITE), ("ledger", "event_clock", READ_WRITE),
        ("ledger", "personal_data", READ_WRITE), ("ledger", "writer", READ_WRITE),  # FOR UPDATE needs UPDATE
        ("ledger", "snapshots", READ_WRITE + ", DELETE"), ("ledger", "parked_messages", "SELECT, INSERT, DELETE"),
        # Emptied when the latest snapshot cannot be read, so that the whole log is replayed.
        ("ledger", "paged_sales", READ_WRITE + ", TRUNCATE"),
        ("ledger", "erased_contacts", "SELECT"),  # forgotten customers, whose data the writer no longer stores
        ("projections", "partner_balances", READ_WRITE), ("projections", "tracking", READ_WRITE),
    ),
    "projector": (
        ("ledger", "entries", "SELECT"),
        ("projections", "ALL", "SELECT, INSERT, UPDATE, DELETE"),
        # The notifier: its feed and delivery log, and partners' email addresses read when mailing.
        ("notify", "ALL", "SELECT, INSERT, UPDATE, DELETE"), ("ledger", "personal_data", "SELECT"),
    ),
    "api": (
        ("projections", "ALL", "SELECT"),
        ("access", "api_keys", "SELECT"),
        ("access", "ended_sessions", "SELECT, INSERT, DELETE"),  # the partner center's sign-outs
    ),
}
SEQUENCES = {"writer": "ledger", "projector": "projections"}  # a role's serial columns, by schema
# The counts the API reports on /ready and /metrics, read with their owner's rights (projections/status.py).
FUNCTIONS = {"api": ("projections.ledger_summary()", "projections.dead_letters_by_reason()",
                     "projections.notification_summary()")}
# Taken back from an ALL above: the balances are the writer's (moved in each batch's transaction,
# rebuilt by the owner), and the layout version is the owner's.
EXCEPT = {"projector": (("projections", "partner_balances", "INSERT, UPDATE, DELETE"),
                        ("projections", "layout", "INSERT, UPDATE, DELETE"))}


class RoleError(LedgerError):
    """An application role cannot be made or is privileged: it would not restrict anything."""


@dataclass(frozen=True)
class RoleFacts:
    """What PostgreSQL says about a role (for `ledger roles` and the checks before granting)."""

    name: str
    exists: bool
    privileged: bool  # superuser, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS
    owns: int  # relations it owns in this database


def facts(conn: psycopg.Connection[Any], role: str) -> RoleFacts:
    """Whether `role` exists, is privileged, and owns anything here."""
    row = conn.execute(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls, "
        "(SELECT count(*) FROM pg_class WHERE relowner = r.oid) FROM pg_roles r WHERE rolname = %s",
        (role,)).fetchone()
    return RoleFacts(role, row is not None, bool(row and row[0]), int(row[1]) if row else 0)


def may_create_roles(conn: psycopg.Connection[Any]) -> bool:
    """Whether this connection's user may create the application roles (superuser or CREATEROLE)."""
    row = conn.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def create_roles(conn: psycopg.Connection[Any], passwords: Mapping[str, str]) -> None:
    """Create (or reset) each login role with its password and no privileged attribute."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('ledger-roles'))")
        for role, password in passwords.items():
            # Only a superuser may name SUPERUSER & co. in ALTER ROLE; `grant` refuses a privileged role.
            made = facts(conn, role).exists
            statement = "ALTER ROLE {} LOGIN PASSWORD {}" if made else f"CREATE ROLE {{}} {ATTRIBUTES} PASSWORD {{}}"
            conn.execute(sql.SQL(statement).format(sql.Identifier(role), sql.Literal(password)))


def grant(conn: psycopg.Connection[Any], roles: Mapping[str, str]) -> None:
    """Give each role (kind → role name) exactly the privileges of its kind, after revoking any others."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('ledger-roles'))")
        for kind, role in roles.items():
            found = facts(conn, role)
            if not found.exists or found.privileged or found.owns:
                raise RoleError(f"role {role} is {_why(found)}: the {kind} role must be a plain login role "
                                "that owns nothing (create it with `CREATE ROLE … LOGIN`)")
            _grant_exactly(conn, kind, sql.Identifier(role))


def _revoke_everything(conn: psycopg.Connection[Any], role: sql.Identifier) -> None:
    for schema in SCHEMAS:
        for objects in ("ALL TABLES IN SCHEMA", "ALL SEQUENCES IN SCHEMA", "ALL FUNCTIONS IN SCHEMA", "SCHEMA"):
            conn.execute(sql.SQL(f"REVOKE ALL ON {objects} {{}} FROM {{}}").format(sql.Identifier(schema), role))


def _grant_exactly(conn: psycopg.Connection[Any], kind: str, role: sql.Identifier) -> None:
    _revoke_everything(conn, role)
    granted = GRANTS[kind]
    for schema in sorted({schema for schema, _, _ in granted}):
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), role))
    for schema, table, privileges in granted:
        target = (sql.SQL("ALL TABLES IN SCHEMA {}").format(sql.Identifier(schema)) if table == "ALL"
                  else sql.SQL("TABLE {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        conn.execute(sql.SQL(f"GRANT {privileges} ON {{}} TO {{}}").format(target, role))
    for function in FUNCTIONS.get(kind, ()):
        conn.execute(sql.SQL(f"GRANT EXECUTE ON FUNCTION {function} TO {{}}").format(role))
    for schema, table, privileges in EXCEPT.get(kind, ()):
        conn.execute(sql.SQL(f"REVOKE {privileges} ON TABLE {{}}.{{}} FROM {{}}").format(
            sql.Identifier(schema), sql.Identifier(table), role))
    if kind in SEQUENCES:
        conn.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
            sql.Identifier(SEQUENCES[kind]), role))


def _why(found: RoleFacts) -> str:
    if not found.exists:
        return "missing"
    return "privileged" if found.privileged else f"the owner of {found.owns} relations"


def privileges(conn: psycopg.Connection[Any], role: str) -> dict[str, list[str]]:
    """What `role` may do, by table (`schema.table` → privileges), as granted in this database."""
    rows = conn.execute(
        "SELECT table_schema || '.' || table_name, string_agg(privilege_type, ', ' ORDER BY privilege_type) "
        "FROM information_schema.table_privileges WHERE grantee = %s GROUP BY 1 ORDER BY 1", (role,)).fetchall()
    return {str(table): str(granted).split(", ") for table, granted in rows}
