"""Feeds the ledger log to read models in batches, each batch and its position in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
        with self._conn.transaction(), self._conn.cursor() as curs:
            # Two runners of one projection (two `ledger run`s) take turns; neither applies twice.
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"projection:{projection.name}",))
            start = tracking.position(curs, projection.name)
            notifications = self.app.recorder.select_notifications(
                start=start, limit=self.batch_size, inclusive_of_start=False)
            if not notifications:
                return 0
            topics = projection.topics
            events = [self.app.mapper.to_domain_event(n) for n in notifications if n.topic in topics]
            projection.apply(curs, events)
            tracking.advance(curs, projection.name, notifications[-1].id)
            return notifications[-1].id - start

    def catch_up(self, progress: ProgressCallback | None = None) -> None:
        """Apply everything recorded so far to every projection."""
        for projection in self.projections:
            while moved := self.step(projection):
                if progress:
                    progress(projection.name, moved, self.head())

    def rebuild(self, projection: Projection, progress: ProgressCallback | None = None) -> None:
        """Drop a projection's rows and position, then apply the whole log again.

        All in one transaction: readers see the old rows until the new ones are complete.
        """
        with self._conn.transaction():
            with self._conn.cursor() as curs:
                curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"projection:{projection.name}",))
                projection.clear(curs)
                tracking.reset(curs, projection.name)
            while moved := self.step(projection):
                if progress:
                    progress(projection.name, moved, self.head())

    def run_forever(self, stop: threading.Event, idle_wait: float = 0.1) -> None:
        """Follow the ledger until `stop` is set; a failure is logged and retried, never fatal."""
        delay = 0.5
        while not stop.is_set():
            try:
                moved = sum(self.step(p) for p in self.projections)
                delay = 0.5
            except (psycopg.Error, OSError) as exc:
                log.error("projection_failed_retrying", error=str(exc), retry_in_s=delay)
                stop.wait(delay)
                delay = min(delay * 2, 10.0)
                self._reconnect()
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
