"""The running ledger as the worker, the timer and the outbox publisher use it: a writer on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime

from ledger.core.messages import Received
from ledger.errors import LedgerError
from ledger.rules.periods import micros
from ledger.store.chain import DEFAULT_SEAL_EVERY
from ledger.store.postgres import PostgresStore
from ledger.store.postgres_outbox import PostgresOutboxes
from ledger.writer import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_HOT_SALES,
    DEFAULT_MIN_WAIT_S,
    DEFAULT_SNAPSHOT_EVERY,
    LedgerWriter,
    Outcome,
)
from schemas.reasons import Reason


class NotWriterError(LedgerError):
    """A write was asked of a ledger that has not become the writer."""


class Ledger:
    """One ledger database: its outboxes for anyone, its writer once this process holds the writer lock."""

    def __init__(self, env: dict[str, str], create: bool = True) -> None:
        self.store = PostgresStore.connect(env, create=create)
        self.outboxes = PostgresOutboxes(self.store.datastore, self.store.sql)
        self.grace_days = float(_setting(env, "LEDGER_PARKING_GRACE_DAYS") or DEFAULT_GRACE_DAYS)
        self.min_wait_s = float(_setting(env, "LEDGER_PARKING_MIN_WAIT_S") or DEFAULT_MIN_WAIT_S)
        self.snapshot_every = int(_setting(env, "LEDGER_SNAPSHOT_EVERY") or DEFAULT_SNAPSHOT_EVERY)
        self.hot_sales = int(_setting(env, "LEDGER_HOT_SALES") or DEFAULT_HOT_SALES)
        self.store.seal_every = int(_setting(env, "LEDGER_SEAL_EVERY") or DEFAULT_SEAL_EVERY)
        self._writer: LedgerWriter | None = None

    def become_writer(self) -> None:
        """Take over writing: a new epoch (older writers are fenced off), and the state restored from the log."""
        self.store.claim()
        self._writer = LedgerWriter(self.store, self.grace_days, self.min_wait_s, self.snapshot_every,
                                    self.hot_sales)

    @property
    def writer(self) -> LedgerWriter:
        """The writer; only after become_writer(), which fences off any earlier writer."""
        if self._writer is None:
            raise NotWriterError("this process is not the ledger's writer: take the writer lock, then call "
                                 "become_writer()")
        return self._writer

    def apply_batch(self, items: Sequence[Received]) -> Outcome:
        """Decide and write one batch."""
        return self.writer.apply(items)

    def refuse(self, item: Received, reason: Reason, detail: str) -> Outcome:
        """Dead-letter one message the ledger could not process."""
        return self.writer.refuse(item, reason, detail)

    def mature_due(self, now: datetime, limit: int = 1000) -> int:
        """Make pending commission due by `now` available."""
        return self.writer.mature(micros(now), limit)

    def expire_parked(self) -> Outcome | None:
        """Refuse parked events past their grace, when no message arrives."""
        return self.writer.expire_parked()

    def reachable(self) -> bool:
        """Whether the database answers now."""
        return self.store.reachable()

    def source_positions(self) -> dict[tuple[str, str, int], int]:
        """The last offset decided from each input partition."""
        return self.store.source_positions()

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()


def _setting(env: dict[str, str], name: str) -> str | None:
    return env.get(name) or os.environ.get(name)
