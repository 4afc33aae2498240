"""How the ledger application reaches PostgreSQL, from one `DATABASE_URL`."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ledger.errors import LedgerError

LEDGER_SCHEMA = "ledger"
URL_FORM = "postgresql://user:password@host:5432/dbname"


class DatabaseUrlError(LedgerError, ValueError):
    """A database URL that is not a PostgreSQL URL; the message never repeats the URL (it may hold a password)."""


def check_database_url(database_url: str, variable: str = "DATABASE_URL") -> None:
    """Refuse, in one line saying the expected form, a URL the ledger could not connect with."""
    why = _url_fault(database_url)
    if why:
        instead = "use the embedded database" if variable == "DATABASE_URL" else "let the ledger make the role"
        raise DatabaseUrlError(f"{variable} is not a valid PostgreSQL URL ({why}): give it as {URL_FORM}, "
                               f"or unset it to {instead}")


def _url_fault(database_url: str) -> str | None:
    try:
        url = urlparse(database_url)
        if url.scheme not in ("postgres", "postgresql"):
            return "it does not start with postgresql://"
        url.port  # noqa: B018 - parsing the port is the check
        conninfo_to_dict(database_url)
    except ValueError:
        return "its host or port cannot be read"
    except psycopg.ProgrammingError:  # libpq's own parse; its message quotes the URL, so it is not repeated
        return "libpq cannot parse it"
    return None


def ledger_env(database_url: str, *, pool_size: int = 5) -> dict[str, str]:
    """eventsourcing settings for the ledger on the database at `database_url`."""
    check_database_url(database_url)
    url = urlparse(database_url)
    query = parse_qs(url.query)
    host = query.get("host", [url.hostname or "localhost"])[0]
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(url.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(url.port or query.get("port", ["5432"])[0]),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": LEDGER_SCHEMA,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_LOCK_TIMEOUT": "10",
        # Waiting for a connection while the database is away: fail in seconds and let the
        # worker's retry (which never skips) try again, rather than hang half a minute a call.
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "CREATE_TABLE": "y",
    }
