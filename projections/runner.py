"""Feeds the ledger log to read models in batches, each batch and its position in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog

from ledger.store import codec
from ledger.store.schema import LOG_TABLE, personal_data_ddl
from projections import tracking
from projections.base import Logged, Projection
from projections.layout import upgrade_layout
from projections.registry import all_projections
from projections.status import STATUS_DDL
from projections.views import view_ddl

ProgressCallback = Callable[[str, int, int], None]
log = structlog.get_logger("ledger.projections")
WRITER_KEPT = "partner_balances"  # kept by the writer in its own transactions; rebuilt here


@dataclass(frozen=True)
class ProjectionStatus:
    """Where a projection stands against the ledger head."""

    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        """Ledger positions not yet applied."""
        return max(0, self.head - self.position)


class ProjectionRunner:
    """Keeps projections up to date with the ledger; rebuildable from position 0."""

    def __init__(self, database_url: str, projections: Sequence[Projection], batch_size: int = 5000,
                 create: bool = True) -> None:
        self.projections = list(projections)
        self.batch_size = batch_size
        self._database_url = database_url
        self._conn = psycopg.connect(database_url, autocommit=False)
        if create:  # not as a role that owns nothing (ledger/store/roles.py): the owner made the tables
            self.create()

    def create(self) -> None:
        """Create the schema, the tracking table and every projection's tables."""
        with self._conn.transaction(), self._conn.cursor() as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('projections-ddl'))")
            for statement in [*tracking.DDL, *personal_data_ddl()]:
                curs.execute(statement)
            upgrade_layout(curs)
            for statement in [s for p in all_projections() for s in p.ddl()] + view_ddl() + STATUS_DDL:
                curs.execute(statement)

    def step(self, projection: Projection) -> int:
        """Apply the next batch of the log to one projection; returns how many positions it moved."""
        return self.step_together([projection])

    def step_together(self, projections: Sequence[Projection]) -> int:
        """Apply the next batch of the log to several projections in one transaction.

        The log is read and each record decoded once for all of them; each projection takes the
        entries past its own position. Returns how many positions the slowest moved.
        """
        followed = [p for p in projections if p.name != WRITER_KEPT]
        if not followed:
            return 0
        with self._conn.transaction(), self._conn.cursor() as curs:
            return self._step(curs, followed)

    def _step(self, curs: psycopg.Cursor[Any], projections: Sequence[Projection]) -> int:
        # Two runners of one projection (two `ledger run`s) take turns; neither applies twice.
        for projection in sorted(projections, key=lambda p: p.name):
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"projection:{projection.name}",))
        positions = {p.name: tracking.position(curs, p.name) for p in projections}
        start = min(positions.values())
        curs.execute(f"SELECT notification_id, originator_id, topic, state FROM ledger.{LOG_TABLE} "
                     "WHERE notification_id > %s ORDER BY notification_id LIMIT %s", (start, self.batch_size))
        rows = curs.fetchall()
        if not rows:
            return 0
        entries = [Logged(row[0], row[1], codec.decode(bytes(row[3]))) for row in rows
                   if row[2].endswith(":applied")]
        last = rows[-1][0]
        for projection in projections:
            since = positions[projection.name]
            if since < last:
                projection.apply(curs, [e for e in entries if e.position > since])
                tracking.advance(curs, projection.name, last)
        return int(last - start)

    def catch_up(self, progress: ProgressCallback | None = None) -> None:
        """Apply everything recorded so far to every projection."""
        while moved := self.step_together(self.projections):
            if progress:
                progress("all", moved, self.head())

    def rebuild(self, projection: Projection, progress: ProgressCallback | None = None) -> None:
        """Drop a projection's rows and position, then apply the whole log again."""
        self.rebuild_together([projection], progress)

    def rebuild_together(self, projections: Sequence[Projection], progress: ProgressCallback | None = None) -> None:
        """Drop the projections' rows and positions, then apply the whole log to them again.

        All in one transaction: readers see the old rows until the new ones are complete. The
        writer's balances wait meanwhile (it takes the same lock in each batch).
        """
        with self._conn.transaction(), self._conn.cursor() as curs:
            for projection in sorted(projections, key=lambda p: p.name):
                curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"projection:{projection.name}",))
                projection.clear(curs)
                tracking.reset(curs, projection.name)
            while moved := self._step(curs, projections):
                if progress:
                    progress(",".join(p.name for p in projections), moved, self.head())

    def run_forever(self, stop: threading.Event, idle_wait: float = 0.1) -> None:
        """Follow the ledger until `stop` is set; a failure is logged and retried, never fatal."""
        delay = 0.5
        while not stop.is_set():
            try:
                self._reconnect()
                moved = self.step_together(self.projections)
                delay = 0.5
            except Exception as exc:  # noqa: BLE001 - the database away, or a bug: say so, wait, try again
                log.error("projection_failed_retrying", error=repr(exc)[:500], retry_in_s=delay)
                stop.wait(delay)
                delay = min(delay * 2, 5.0)
                continue
            if not moved:
                stop.wait(idle_wait)

    def _reconnect(self) -> None:
        if self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(self._database_url, autocommit=False)

    def head(self) -> int:
        """The ledger's last position."""
        with self._conn.transaction(), self._conn.cursor() as curs:
            curs.execute(f"SELECT coalesce(max(notification_id), 0) FROM ledger.{LOG_TABLE}")
            row = curs.fetchone()
        return int(row[0]) if row else 0

    def status(self) -> list[ProjectionStatus]:
        """Position and lag of every projection."""
        head = self.head()
        with self._conn.transaction(), self._conn.cursor() as curs:
            return [ProjectionStatus(p.name, tracking.position(curs, p.name), head) for p in self.projections]

    def close(self) -> None:
        """Release the database connection."""
        self._conn.close()
