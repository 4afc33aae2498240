"""The writer's store on PostgreSQL: the log, its outboxes, positions and balances, one transaction per batch."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment
from psycopg import Cursor

from ledger.core.decision import Applied
from ledger.core.messages import FirstSeen
from ledger.errors import LedgerError
from ledger.rules.periods import instant
from ledger.store import chain, codec, erasure, paged
from ledger.store import postgres_write as put
from ledger.store.port import Restored, Written
from ledger.store.postgres_log import LogRecorder, LogRow, entry_id
from ledger.store.postgres_restore import restore
from ledger.store.schema import LOG_TABLE


class ChainError(LedgerError):
    """The log holds rows the writer did not write: the hash chain cannot cover them."""


class FencedError(LedgerError):
    """Another writer took over this ledger database: this one must stop writing."""


@dataclass(frozen=True)
class WaitingSummary:
    """How many events are parked, and since when (for `ledger status`)."""

    count: int
    oldest_parked_us: int | None
    oldest_occurred_us: int | None


class PostgresStore:
    """One writer's store: it claims the ledger (a fencing epoch) and writes each batch atomically."""

    def __init__(self, recorder: LogRecorder) -> None:
        self.recorder = recorder
        self.datastore = recorder.datastore
        self.sql = recorder.sql
        self.epoch: int | None = None
        self.chain_tip: tuple[int, bytes] | None = None  # the last chained position and its link
        self.seal_every = chain.DEFAULT_SEAL_EVERY
        self.waiting = WaitingSummary(0, None, None)

    @classmethod
    def connect(cls, env: dict[str, str], migrating: bool = False, create: bool = True) -> PostgresStore:
        """The store on the database the eventsourcing settings `env` name; tables created if missing.

        `create=False` for a role that owns nothing (ledger/store/roles.py): the owner made the tables.
        """
        factory = InfrastructureFactory.construct(Environment("Ledger", env))
        assert isinstance(factory, PostgresFactory), "the ledger's store is PostgreSQL"
        return cls(LogRecorder.construct(factory, migrating, create))

    def claim(self) -> int:
        """Become the writer: a new epoch, after which an older writer's batches are refused."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.sql("INSERT INTO {0}.writer (id, epoch) VALUES (1, 1) ON CONFLICT (id) DO UPDATE "
                                  "SET epoch = {0}.writer.epoch + 1, since = now() RETURNING epoch"))
            row = curs.fetchone()
        assert row is not None
        self.epoch = int(row["epoch"])
        return self.epoch

    def seen(self, event_ids: Sequence[str]) -> dict[str, FirstSeen]:
        """Which of these ids were decided or parked before, with the first body's digest and source."""
        if not event_ids:
            return {}
        ids = {entry_id(event_id): event_id for event_id in event_ids}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(f"SELECT originator_id, state FROM {{}}.{LOG_TABLE} WHERE originator_id = ANY(%s) "
                                  "AND originator_version = 1"), (list(ids),))
            rows = curs.fetchall()
        found = {}
        for row in rows:
            record = codec.decode(bytes(row["state"]))
            found[ids[row["originator_id"]]] = FirstSeen(record.digest, codec.source_of(record))
        return found

    def restore(self) -> Restored:
        """The writer's state, replayed from the log; parked events joined again with their personal data."""
        if self.epoch is None:
            self.claim()
        self.chain_tip = chain.catch_up(self.datastore, self.sql)
        return restore(self.datastore, self.sql)

    def write(self, batch: Written) -> None:
        """Write a batch in one transaction, under this writer's epoch."""
        if self.chain_tip is None:
            self.chain_tip = chain.catch_up(self.datastore, self.sql)
        with self.datastore.transaction(commit=True) as curs:
            self._fence(curs)
            rows = self._log(curs, batch)
            letters, _ = erasure.keep_out(curs, self.sql, batch.dead_letters, {})
            put.dead_letters(curs, self.sql, letters)
            put.notifications(curs, self.sql, batch.notices)
            put.positions(curs, self.sql, batch.marks)
            put.clock(curs, self.sql, batch.latest_us)
            head, after = self._head(curs)
            chaining = time.perf_counter()
            tip = self._chain(curs, rows, head, after)
            batch.chain_s = time.perf_counter() - chaining
            put.balances(curs, (p for e in batch.entries if isinstance(e.decision, Applied) for p in e.decision.postings),
                         head)
            self._summarise(curs, batch)
            if batch.snapshot is not None:
                paged.write(curs, self.sql, batch.paged_out)
                put.snapshot(curs, self.sql, head, batch.snapshot)
        self.chain_tip = tip

    def _head(self, curs: Cursor[Any]) -> tuple[int, tuple[int, int]]:
        """The log's head, and how many rows follow the chain's tip and the first of them (one round trip)."""
        assert self.chain_tip is not None
        curs.execute(self.sql(f"SELECT (SELECT coalesce(max(notification_id), 0) FROM {{0}}.{LOG_TABLE}) AS head, "
                              f"count(*) AS n, min(notification_id) AS first FROM {{0}}.{LOG_TABLE} "
                              "WHERE notification_id > %s"), (self.chain_tip[0],))
        found = curs.fetchone()
        assert found is not None
        return int(found["head"]), (int(found["n"]), int(found["first"] or 0))

    def _chain(self, curs: Cursor[Any], rows: list[LogRow], head: int, after: tuple[int, int]) -> tuple[int, bytes]:
        """Chain the batch's rows as one block; they must be all the rows after the tip, one after another."""
        assert self.chain_tip is not None
        if not rows:
            return self.chain_tip
        position, previous = self.chain_tip
        count, start = after
        if count != len(rows) or start + len(rows) - 1 != head:
            raise ChainError(f"the log holds {count} rows after chained position {position}, and this batch "
                             f"wrote {len(rows)}: something else writes to it. Stop it, then run `ledger verify`.")
        made = chain.block(previous, start, rows)
        chain.append(curs, self.sql, made)
        if made.last // self.seal_every > position // self.seal_every:
            chain.seal(curs, self.sql, made.last, made.link)
        return made.last, made.link

    def _fence(self, curs: Cursor[Any]) -> None:
        curs.execute(self.sql("SELECT epoch FROM {}.writer WHERE id = 1 FOR UPDATE"))
        row = curs.fetchone()
        if row is None or row["epoch"] != self.epoch:
            raise FencedError(f"another writer took over this ledger (epoch {row and row['epoch']}, "
                              f"this writer's {self.epoch}); this one stops writing")

    def _log(self, curs: Cursor[Any], batch: Written) -> list[LogRow]:
        entries = batch.entries
        if not entries:
            return []
        started = time.perf_counter()
        rows = [(entry_id(e.key), e.version, f"{e.type}:{e.status}", codec.encode(e, batch.recorded_us))
                for e in entries]
        batch.encode_s = time.perf_counter() - started
        self.recorder.copy_rows(curs, rows)
        put.personal_data(curs, self.sql, (p for e in entries if e.version == 1 for p in codec.personal_data(e.event)))
        _, parked = erasure.keep_out(curs, self.sql, [], {e.key: e.raw for e in entries if e.status == "parked"})
        decided = [e.key for e in entries if e.status != "parked" and e.version > 1]
        put.parked_messages(curs, self.sql, parked, decided)
        return rows

    def _summarise(self, curs: Cursor[Any], batch: Written) -> None:
        count, parked_us, occurred_us = batch.waiting
        curs.execute(self.sql("UPDATE {}.writer SET parked = %s, oldest_parked_at = %s, "
                              "oldest_parked_occurred_at = %s WHERE id = 1"),
                     (count, instant(parked_us) if parked_us else None, instant(occurred_us) if occurred_us else None))

    def reachable(self) -> bool:
        """One round trip; False if the database does not answer."""
        try:
            with self.datastore.transaction(commit=False) as curs:
                curs.execute("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure to answer means "not now"
            return False
        return True

    def source_positions(self) -> dict[tuple[str, str, int], int]:
        """The last offset decided from each (cluster, topic, partition)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql('SELECT cluster, topic, partition, "offset" FROM {}.source_positions'))
            return {(r["cluster"], r["topic"], r["partition"]): r["offset"] for r in curs.fetchall()}

    def close(self) -> None:
        """Release the connections."""
        self.datastore.close()
