"""How the ledger application reaches PostgreSQL, from one `DATABASE_URL`."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse

LEDGER_SCHEMA = "ledger"


def ledger_env(database_url: str, *, pool_size: int = 5) -> dict[str, str]:
    """eventsourcing settings for the ledger on the database at `database_url`."""
    url = urlparse(database_url)
    if url.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must start with postgresql://, got {url.scheme or 'nothing'}://")
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
