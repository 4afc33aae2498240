"""Which database role each part of `ledger run` connects as: the owner provisions, the others only work.

The owner's URL (DATABASE_URL, or the embedded server's superuser) runs every DDL statement and
grants; the worker, the projection process and the API then connect as roles that own nothing
(ledger/store/roles.py). Their URLs come from LEDGER_WRITER_URL, LEDGER_PROJECTOR_URL and
LEDGER_API_URL when an operator made the roles; otherwise the ledger makes them. Their passwords
are derived from the owner's, so that every process given DATABASE_URL agrees (a writer and its
standby on two hosts); an owner URL without a password (the embedded server) has them made once
and kept in LEDGER_HOME/roles.json (0600).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
import structlog
from psycopg.conninfo import conninfo_to_dict

from ledger.database import check_database_url, ledger_env
from ledger.store import roles
from ledger.store.postgres import PostgresStore
from projections.access import DDL as ACCESS_DDL
from projections.notify.schema import create_notify_schema
from projections.registry import all_projections
from projections.runner import ProjectionRunner

log = structlog.get_logger("ledger.roles")
ROLES = roles.NAMES
ENV = {"writer": "LEDGER_WRITER_URL", "projector": "LEDGER_PROJECTOR_URL", "api": "LEDGER_API_URL"}
PASSWORDS_FILE = "roles.json"


@dataclass(frozen=True)
class RoleUrls:
    """The URL each part connects with."""

    writer: str
    projector: str
    api: str


def provision_database(owner_url: str) -> None:
    """Every table, view and function, made by the owner before any restricted role connects."""
    PostgresStore.connect(ledger_env(owner_url, pool_size=1)).close()
    ProjectionRunner(owner_url, all_projections()).close()
    with psycopg.connect(owner_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('access-ddl'))")
        for statement in ACCESS_DDL:
            conn.execute(statement)
    with psycopg.connect(owner_url, autocommit=True) as conn:
        create_notify_schema(conn)


def operator_urls(environ: Mapping[str, str] = os.environ) -> RoleUrls | None:
    """The three role URLs an operator set, if all are: `ledger run` then needs no owner credentials."""
    given = {kind: environ.get(variable) for kind, variable in ENV.items()}
    for kind, url in given.items():
        if url:
            check_database_url(url, ENV[kind])
    return RoleUrls(**given) if all(given.values()) else None  # type: ignore[arg-type]


def application_urls(owner_url: str, home: Path, environ: Mapping[str, str] = os.environ) -> RoleUrls:
    """Provision the database, then the URL of each part (the owner's where no role could be made)."""
    provision_database(owner_url)
    urls = {kind: environ.get(variable) or None for kind, variable in ENV.items()}
    with psycopg.connect(owner_url, autocommit=True) as conn:
        missing = [kind for kind, url in urls.items() if url is None]
        if missing:
            urls |= _made(conn, owner_url, home, missing)
        owner = user_of(owner_url)
        roles.grant(conn, {kind: user_of(url) for kind, url in urls.items() if url and user_of(url) != owner})
    return RoleUrls(**{kind: url or owner_url for kind, url in urls.items()})


def _made(conn: psycopg.Connection[object], owner_url: str, home: Path, kinds: list[str]) -> dict[str, str | None]:
    """URLs of the roles the ledger makes itself; None (the owner's) when it may not make roles."""
    if not roles.may_create_roles(conn):
        _warn(kinds, "the DATABASE_URL user has neither SUPERUSER nor CREATEROLE")
        return dict.fromkeys(kinds)
    passwords = role_passwords(owner_url, home)
    try:
        roles.create_roles(conn, {ROLES[kind]: passwords[ROLES[kind]] for kind in kinds})
    except psycopg.errors.InsufficientPrivilege as exc:
        _warn(kinds, f"the DATABASE_URL user may not alter the existing roles ({exc.sqlstate})")
        return dict.fromkeys(kinds)
    return {kind: with_credentials(owner_url, ROLES[kind], passwords[ROLES[kind]]) for kind in kinds}


def _warn(kinds: list[str], why: str) -> None:
    log.warning("application_roles_not_used", reason=why, connecting_as="the DATABASE_URL user",
                consequence="that user may disable the log's append-only trigger",
                fix="set " + ", ".join(ENV[kind] for kind in kinds) + " to roles made as README "
                    "'Database roles' shows, or grant CREATEROLE to the DATABASE_URL user")


def role_passwords(owner_url: str, home: Path) -> dict[str, str]:
    """Each role's password: an HMAC of its name under the owner's password, else the ones kept under `home`.

    Whoever could compute a derived one holds the owner's password already, which may do more.
    """
    secret = conninfo_to_dict(owner_url).get("password")
    if not secret:
        return stored_passwords(home)
    return {role: base64.urlsafe_b64encode(hmac.new(str(secret).encode(), f"ledger-role:{role}".encode(),
                                                    hashlib.sha256).digest()).decode().rstrip("=")
            for role in ROLES.values()}


def stored_passwords(home: Path) -> dict[str, str]:
    """The roles' passwords under `home`, made once (0600) and read by every later process."""
    path = home / PASSWORDS_FILE
    home.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        made = {role: secrets.token_urlsafe(24) for role in ROLES.values()}
        fresh = path.with_name(f".{PASSWORDS_FILE}.{os.getpid()}")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(made, file)
        try:
            os.link(fresh, path)  # atomic and exclusive: of two processes starting together, one wins
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    stored = json.loads(path.read_text())
    if set(stored) != set(ROLES.values()):
        raise roles.RoleError(f"{path} does not name every ledger role; delete it and start again to make new passwords")
    return {str(role): str(password) for role, password in stored.items()}


def user_of(url: str) -> str:
    """The user a connection URL logs in as."""
    return str(conninfo_to_dict(url).get("user") or os.environ.get("PGUSER") or os.environ.get("USER", ""))


def login_url(url: str, user: str, password: str | None) -> str:
    """The same server and database as `url`, logging in as `user` (no password: trust or peer auth)."""
    if password:
        return with_credentials(url, user, password)
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in ("user", "password")])
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}@{host}", query=query))


def with_credentials(url: str, user: str, password: str) -> str:
    """The same server and database as `url`, logging in as `user`."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in ("user", "password")])
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(password, safe='')}@{host}", query=query))
