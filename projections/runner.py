"""Feeds the ledger log to read models in batches, each batch and its position in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import structlog

from ledger.application import LedgerApp
from projections import tracking
from projections.base import Projection
from projections.registry import all_projections
from projections.views import view_ddl

ProgressCallback = Callable[[str, int, int], None]
log = structlog.get_logger("ledger.projections")


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

    def __init__(self, app: LedgerApp, database_url: str, projections: Sequence[Projection],
                 batch_size: int = 5000) -> None:
        self.app = app
        self.projections = list(projections)
        self.batch_size = batch_size
        self._database_url = database_url
        self._conn = psycopg.connect(database_url, autocommit=False)
        self.create()

    def create(self) -> None:
        """Create the schema, the tracking table and every projection's tables."""
        with self._conn.transaction(), self._conn.cursor() as curs:
            curs.execute("SELECT pg_advisory_xact_lock(hashtext('projections-ddl'))")
            for statement in tracking.DDL + [s for p in all_projections() for s in p.ddl()] + view_ddl():
                curs.execute(statement)

    def step(self, projection: Projection) -> int:
        """Apply the next batch of the log to one projection; returns how many positions it moved."""
        return self.step_together([projection])

    def step_together(self, projections: Sequence[Projection]) -> int:
        """Apply the next batch of the log to several projections in one transaction.

        The log is read and each stored event decoded once for all of them; each projection
        takes the events past its own position. Returns how many positions the slowest moved.
        """
        with self._conn.transaction(), self._conn.cursor() as curs:
            return self._step(curs, projections)

    def _step(self, curs: psycopg.Cursor[Any], projections: Sequence[Projection]) -> int:
        # Two runners of one projection (two `ledger run`s) take turns; neither applies twice.
        for projection in sorted(projections, key=lambda p: p.name):
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"projection:{projection.name}",))
        positions = {p.name: tracking.position(curs, p.name) for p in projections}
        start = min(positions.values())
        notifications = self.app.ledger_recorder.notifications_after(start, self.batch_size)
        if not notifications:
            return 0
        wanted = frozenset().union(*(p.topics for p in projections))
        decoded = [(n.id, n.topic, self.app.mapper.to_domain_event(n)) for n in notifications if n.topic in wanted]
        last = notifications[-1].id
        for projection in projections:
            since, topics = positions[projection.name], projection.topics
            if since < last:
                projection.apply(curs, [event for at, topic, event in decoded if at > since and topic in topics])
                tracking.advance(curs, projection.name, last)
        return last - start

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

        All in one transaction: readers see the old rows until the new ones are complete.
        The log is read once for all of them.
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
        return self.app.recorder.max_notification_id() or 0

    def status(self) -> list[ProjectionStatus]:
        """Position and lag of every projection."""
        head = self.head()
        with self._conn.transaction(), self._conn.cursor() as curs:
            return [ProjectionStatus(p.name, tracking.position(curs, p.name), head) for p in self.projections]

    def close(self) -> None:
        """Release the database connection."""
        self._conn.close()
