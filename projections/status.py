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


def ledger_status(conn: psycopg.Connection[Any]) -> LedgerStatus:
    """Current status; a database the ledger has not initialised yet reports zeros."""
    head = _scalar(conn, f"SELECT coalesce(max(notification_id), 0) FROM {LEDGER_SCHEMA}.{LOG_TABLE}")
    tracked = dict(_rows(conn, f"SELECT projection, position FROM {SCHEMA}.tracking"))
    projections = {}
    for projection in all_projections():
        position = int(tracked.get(projection.name, 0))
        projections[projection.name] = {"position": position, "lag": max(0, head - position)}
    return LedgerStatus(
        head=head,
        projections=projections,
        dead_letters=_scalar(conn, f"SELECT count(*) FROM {LEDGER_SCHEMA}.dead_letters"),
        dead_letters_unpublished=_scalar(
            conn, f"SELECT count(*) FROM {LEDGER_SCHEMA}.dead_letters WHERE published_at IS NULL"),
        events_decided=decided_count(conn),
        parked=_scalar(conn, f"SELECT parked FROM {LEDGER_SCHEMA}.writer WHERE id = 1"),
        oldest_parked_at=_oldest_parked(conn),
        input_backlog=_scalar(conn, f"SELECT sum(backlog) FROM {LEDGER_SCHEMA}.source_positions"),
    )


def _oldest_parked(conn: psycopg.Connection[Any]) -> str | None:
    rows = _rows(conn, f"SELECT oldest_parked_at FROM {LEDGER_SCHEMA}.writer WHERE id = 1")
    return rows[0][0].isoformat() if rows and rows[0][0] else None


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
