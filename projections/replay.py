"""Builds read models into a schema of their own from a cut of the log, never touching the live ones.

Everything happens in one transaction: the models are built in a staging schema, the earlier
replay of that name (if any) is dropped and the staging schema renamed into place just before
the commit. An interrupted replay leaves nothing behind, and readers of an earlier replay into
the same schema see it whole until the new one is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from ledger.rules.periods import instant
from ledger.store import codec
from ledger.store.schema import LOG_TABLE
from projections import tracking
from projections.base import Logged, Projection
from projections.cut import (
    Cut,
    ReplayCutError,
    as_of,
    check_schema,
    last_known,
    staging_schema,
)
from projections.registry import all_projections
from projections.views import view_ddl

Progress = Callable[[int, int], None]  # (positions moved, the last position the replay reads)
BATCH = 5000


@dataclass(frozen=True)
class Replayed:
    """What a replay built: where, up to which position, and which read models."""

    schema: str
    position: int
    projections: list[str]
    views: bool


def replay(database_url: str, cut: Cut, schema: str, names: Sequence[str] = (),
           progress: Progress | None = None) -> Replayed:
    """Build the named read models (default: all) into `schema` as the ledger stood at `cut`."""
    check_schema(schema)
    staging = staging_schema(schema)
    chosen = _chosen(names, staging)
    with psycopg.connect(database_url, autocommit=False) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # one snapshot of the log throughout
        with conn.transaction(), conn.cursor() as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"replay:{schema}",))
            end = _end(curs, cut)
            views = len(chosen) == len(all_projections())
            _create(curs, staging, chosen, views)
            _feed(curs, chosen, end, cut.as_of_us, progress)
            _describe(curs, staging, cut, end, chosen)
            curs.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            curs.execute(f"ALTER SCHEMA {staging} RENAME TO {schema}")
    return Replayed(schema, end, [p.name for p in chosen], views)


def _chosen(names: Sequence[str], schema: str) -> list[Projection]:
    known = {p.name: type(p) for p in all_projections()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ReplayCutError(f"no projection named {unknown[0]!r}; choose from: {', '.join(known)}")
    return [kind(schema) for name, kind in known.items() if not names or name in names]


def _end(curs: psycopg.Cursor[Any], cut: Cut) -> int:
    """The last position the replay reads."""
    curs.execute("SELECT to_regclass(%s) IS NOT NULL", (f"ledger.{LOG_TABLE}",))
    if not curs.fetchone()[0]:  # type: ignore[index]
        raise ReplayCutError("there is no ledger in this database yet; start `ledger run` first")
    curs.execute(f"SELECT coalesce(max(notification_id), 0) FROM ledger.{LOG_TABLE}")
    head = int(curs.fetchone()[0])  # type: ignore[index]
    if cut.known_at_us is not None:
        return last_known(cut.known_at_us, head, lambda at: _first_from(curs, at))
    return head if cut.position is None else min(cut.position, head)


def _first_from(curs: psycopg.Cursor[Any], position: int) -> tuple[int, int] | None:
    curs.execute(f"SELECT notification_id, state FROM ledger.{LOG_TABLE} WHERE notification_id >= %s "
                 "ORDER BY notification_id LIMIT 1", (position,))
    row = curs.fetchone()
    return (int(row[0]), codec.decode(bytes(row[1])).recorded_us) if row else None


def _create(curs: psycopg.Cursor[Any], schema: str, chosen: Sequence[Projection], views: bool) -> None:
    curs.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    statements = [*tracking.ddl(schema), *(s for p in chosen for s in p.ddl())]
    for statement in statements + (view_ddl(schema) if views else []):
        curs.execute(statement)


def _feed(curs: psycopg.Cursor[Any], chosen: Sequence[Projection], end: int, as_of_us: int | None,
          progress: Progress | None) -> None:
    """Apply positions 1..end to every chosen model, batch by batch (as of `as_of_us`, if given)."""
    last = 0
    while last < end:
        curs.execute(f"SELECT notification_id, originator_id, topic, state FROM ledger.{LOG_TABLE} "
                     "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s",
                     (last, end, BATCH))
        rows = curs.fetchall()
        if not rows:
            break
        entries = [Logged(row[0], row[1], codec.decode(bytes(row[3]))) for row in rows if row[2].endswith(":applied")]
        if as_of_us is not None:
            entries = [e._replace(record=r) for e in entries if (r := as_of(e.record, as_of_us)) is not None]
        for projection in chosen:
            projection.apply(curs, entries)
        moved, last = int(rows[-1][0]) - last, int(rows[-1][0])
        if progress:
            progress(moved, end)


def _describe(curs: psycopg.Cursor[Any], schema: str, cut: Cut, end: int, chosen: Sequence[Projection]) -> None:
    """Say in the schema itself what it holds: the cut, the position read to, when it was built."""
    for projection in chosen:
        tracking.advance(curs, projection.name, end, schema)
    curs.execute(f"""CREATE TABLE {schema}.replay (
        position bigint NOT NULL, as_of timestamptz, known_at timestamptz, projections text[] NOT NULL,
        built_at timestamptz NOT NULL DEFAULT now())""")
    curs.execute(f"INSERT INTO {schema}.replay (position, as_of, known_at, projections) VALUES (%s, %s, %s, %s)",
                 (end, _instant(cut.as_of_us), _instant(cut.known_at_us), [p.name for p in chosen]))


def _instant(at_us: int | None) -> Any:
    return None if at_us is None else instant(at_us)
