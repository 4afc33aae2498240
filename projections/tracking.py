"""Each read model's position in the ledger log, written in the same transaction as its rows."""

from __future__ import annotations

from psycopg import Cursor

SCHEMA = "projections"


def ddl(schema: str = SCHEMA) -> list[str]:
    """Statements creating the schema of the read models and its tracking table (idempotent)."""
    return [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"""CREATE TABLE IF NOT EXISTS {schema}.tracking (
            projection text PRIMARY KEY,
            position bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now())""",
    ]


DDL = ddl()


def position(curs: Cursor[tuple[object, ...]], projection: str, schema: str = SCHEMA) -> int:
    """The last ledger position the projection has applied (0 before the first)."""
    curs.execute(f"SELECT position FROM {schema}.tracking WHERE projection = %s", (projection,))
    row = curs.fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def advance(curs: Cursor[tuple[object, ...]], projection: str, new_position: int, schema: str = SCHEMA) -> None:
    """Move the projection's position forward; refuse to move it back."""
    curs.execute(
        f"""INSERT INTO {schema}.tracking (projection, position) VALUES (%s, %s)
            ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, updated_at = now()
            WHERE {schema}.tracking.position < EXCLUDED.position""",
        (projection, new_position),
    )
    if curs.rowcount != 1:
        raise RuntimeError(f"projection {projection} is already past position {new_position}; "
                           "another runner is applying it")


def reset(curs: Cursor[tuple[object, ...]], projection: str, schema: str = SCHEMA) -> None:
    """Forget the projection's position so it is rebuilt from 0."""
    curs.execute(f"DELETE FROM {schema}.tracking WHERE projection = %s", (projection,))
