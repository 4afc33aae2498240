"""Ledger head, projection positions and lag, and dead letters, read straight from the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg

from ledger.database import LEDGER_SCHEMA
from ledger.store.postgres_log import entry_id
from ledger.store.schema import LOG_TABLE
from projections.registry import all_projections
from projections.tracking import SCHEMA


@dataclass(frozen=True)
class LedgerStatus:
    """What `ledger status` and `/health` report."""

    head: int
    projections: dict[str, dict[str, int]] = field(default_factory=dict)
    dead_letters: int = 0
    dead_letters_unpublished: int = 0
    events_decided: int = 0
    parked: int = 0
    oldest_parked_at: str | None = None
    input_backlog: int = 0  # messages behind the last batch read, over every input partition

    @property
    def max_lag(self) -> int:
        """The largest lag of any projection."""
        return max((p["lag"] for p in self.projections.values()), default=0)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self) | {"max_lag": self.max_lag}


_SUMMARY = f"""SELECT coalesce(max(notification_id), 0) AS head, count(*) FILTER (WHERE split_part(topic, ':', 2)
        IN ('applied', 'refused') AND split_part(topic, ':', 1) <> 'commission.matured') AS decided
        FROM {LEDGER_SCHEMA}.{LOG_TABLE}"""
_LETTERS = f"SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM {LEDGER_SCHEMA}.dead_letters"
# The API's role reads no table of the ledger schema: these functions, run with their owner's rights,
# give it the counts its /ready and /metrics report and nothing else. plpgsql, so that they can be
# created before the ledger's tables exist.
STATUS_DDL = [
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.ledger_summary(OUT head bigint, OUT decided bigint, OUT dead_letters bigint,
        OUT dead_letters_unpublished bigint, OUT parked bigint, OUT oldest_parked_at timestamptz,
        OUT input_backlog bigint) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
        BEGIN
          {_SUMMARY} INTO head, decided;
          {_LETTERS} INTO dead_letters, dead_letters_unpublished;
          SELECT w.parked, w.oldest_parked_at INTO parked, oldest_parked_at FROM {LEDGER_SCHEMA}.writer w WHERE id = 1;
          SELECT sum(backlog) INTO input_backlog FROM {LEDGER_SCHEMA}.source_positions;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.dead_letters_by_reason() RETURNS TABLE (reason text, n bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
        SELECT reason, count(*) FROM {LEDGER_SCHEMA}.dead_letters GROUP BY reason $$""",
    # The notifier's feed position and its deliveries by status, for /metrics.
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.notification_summary() RETURNS TABLE (feed_position bigint, status text,
        n bigint) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
        BEGIN
          RETURN QUERY SELECT (SELECT t.position FROM {SCHEMA}.tracking t WHERE t.projection = 'notifications'),
                              d.status, count(*) FROM notify.deliveries d GROUP BY d.status
                       UNION ALL SELECT (SELECT t.position FROM {SCHEMA}.tracking t
                                         WHERE t.projection = 'notifications'), NULL::text, 0::bigint;
        END $$""",
    # Granted to the API's role only (ledger/store/roles.py), not to every role as functions are by default.
    f"REVOKE ALL ON FUNCTION {SCHEMA}.notification_summary() FROM PUBLIC",
    f"REVOKE ALL ON FUNCTION {SCHEMA}.ledger_summary() FROM PUBLIC",
    f"REVOKE ALL ON FUNCTION {SCHEMA}.dead_letters_by_reason() FROM PUBLIC",
]


def ledger_status(conn: psycopg.Connection[Any]) -> LedgerStatus:
    """Current status; a database the ledger has not initialised yet reports zeros.

    Read through `projections.ledger_summary()`, which the API's role may call; a database whose
    projections were not created yet is read directly.
    """
    summary = _summary(conn)
    head = int(summary["head"] or 0)
    tracked = dict(_rows(conn, f"SELECT projection, position FROM {SCHEMA}.tracking"))
    projections = {}
    for projection in all_projections():
        position = int(tracked.get(projection.name, 0))
        projections[projection.name] = {"position": position, "lag": max(0, head - position)}
    return LedgerStatus(
        head=head, projections=projections, dead_letters=int(summary["dead_letters"] or 0),
        dead_letters_unpublished=int(summary["dead_letters_unpublished"] or 0),
        events_decided=int(summary["decided"] or 0), parked=int(summary["parked"] or 0),
        oldest_parked_at=summary["oldest_parked_at"].isoformat() if summary["oldest_parked_at"] else None,
        input_backlog=int(summary["input_backlog"] or 0))


def _summary(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    try:
        with conn.transaction():
            cursor = conn.execute(f"SELECT * FROM {SCHEMA}.ledger_summary()")
            names = [c.name for c in cursor.description or []]
            row = cursor.fetchone()
            return dict(zip(names, row or (), strict=True))
    except psycopg.errors.UndefinedFunction:
        return _summary_read_directly(conn)
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        return dict.fromkeys(("head", "decided", "dead_letters", "dead_letters_unpublished", "parked",
                              "oldest_parked_at", "input_backlog"))


def _summary_read_directly(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    head = _rows(conn, _SUMMARY)
    letters = _rows(conn, _LETTERS)
    writer = _rows(conn, f"SELECT parked, oldest_parked_at FROM {LEDGER_SCHEMA}.writer WHERE id = 1")
    return {"head": head[0][0] if head else 0, "decided": head[0][1] if head else 0,
            "dead_letters": letters[0][0] if letters else 0, "dead_letters_unpublished": letters[0][1] if letters else 0,
            "parked": writer[0][0] if writer else 0, "oldest_parked_at": writer[0][1] if writer else None,
            "input_backlog": _scalar(conn, f"SELECT sum(backlog) FROM {LEDGER_SCHEMA}.source_positions")}


def decided_count(conn: psycopg.Connection[Any], event_ids: list[str] | None = None) -> int:
    """Input events the ledger has applied or refused (not parked), among `event_ids` if given."""
    decided = (f"SELECT count(*) FROM {LEDGER_SCHEMA}.{LOG_TABLE} WHERE split_part(topic, ':', 2) "
               "IN ('applied', 'refused') AND split_part(topic, ':', 1) <> 'commission.matured'")
    if event_ids is None:
        return _scalar(conn, decided)
    return _scalar(conn, decided + " AND originator_id = ANY(%s)", ([entry_id(e) for e in event_ids],))


def _scalar(conn: psycopg.Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> int:
    try:
        with conn.transaction():
            row = conn.execute(sql, params).fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        return 0
    return int(row[0]) if row and row[0] is not None else 0


def _rows(conn: psycopg.Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    try:
        with conn.transaction():
            return conn.execute(sql).fetchall()
    except psycopg.errors.UndefinedTable:
        return []
