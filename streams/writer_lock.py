"""One writer per ledger database: a PostgreSQL advisory lock, held on a connection of its own.

Another worker on the same database waits as a hot standby and takes over when the lock frees
(its holder stopped, crashed, or lost its connection). The lock is an economy, not the guard of
correctness: a batch is written under the events table's lock and refused if what it read changed.
"""

from __future__ import annotations

import asyncio
import time

import psycopg
import structlog

from streams.waiting import wait_briefly

log = structlog.get_logger("ledger.writer")
LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('commission-ledger-writer'))"
HELD_SQL = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND objid = hashtext('commission-ledger-writer')::oid AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())")
CHECK_EVERY_S = 1.0
RETRY_EVERY_S = 1.0


class WriterLock:
    """Acquire, keep checking, and release the ledger database's writer lock."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._held = False
        self._checked = 0.0

    async def acquire(self, stopping: asyncio.Event) -> bool:
        """Wait until this process holds the lock (True) or is asked to stop (False)."""
        said = False
        while not stopping.is_set():
            if await self._try():
                log.info("writer_lock_acquired")
                return True
            if not said:
                log.info("standby_waiting_for_writer_lock")
                said = True
            await wait_briefly(stopping, RETRY_EVERY_S)
        return False

    @property
    def holding(self) -> bool:
        """Whether this process believes it holds the lock (no round trip)."""
        return self._held

    async def held(self) -> bool:
        """Whether the lock's connection is still alive (checked at most once a second)."""
        if self._conn is None or not self._held:
            return False
        if time.monotonic() - self._checked < CHECK_EVERY_S:
            return True
        try:
            await asyncio.wait_for(self._conn.execute("SELECT 1"), timeout=10)
        except Exception as exc:  # noqa: BLE001 - a lost connection is a lost lock
            log.error("writer_lock_lost", error=repr(exc)[:300])
            await self.release()
            return False
        self._checked = time.monotonic()
        return True

    async def release(self) -> None:
        """Close the lock's connection, which frees the lock."""
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
                pass

    async def _try(self) -> bool:
        try:
            if self._conn is None:
                self._conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True,
                                                                   connect_timeout=10)
            row = await (await self._conn.execute(LOCK_SQL)).fetchone()
        except Exception as exc:  # noqa: BLE001 - the database is away: try again later
            log.error("writer_lock_unavailable", error=repr(exc)[:300])
            await self.release()
            return False
        if row and row[0]:
            self._held, self._checked = True, time.monotonic()
            return True
        return False


def writer_active(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether some worker holds the writer lock of this connection's database."""
    row = conn.execute(HELD_SQL).fetchone()
    return bool(row and row[0])
