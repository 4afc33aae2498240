"""Recorders that append stored events together with the inbox and dead letters, atomically."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.batch import DeadLetter, Source
from ledger.schema_sql import ledger_ddl


@dataclass(frozen=True)
class InboxRecord:
    """An input event the ledger has decided, so a repeat of it is detected, not applied."""

    event_id: str
    type: str
    outcome: str
    source: Source | None


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter as kept in the ledger database until it is published."""

    id: int
    letter: DeadLetter


class LedgerRecorder(ABC):
    """What the ledger needs beyond an eventsourcing application recorder."""

    @abstractmethod
    def seen_event_ids(self, event_ids: Sequence[str]) -> set[str]:
        """The given event ids that were already decided."""

    @abstractmethod
    def unpublished_dead_letters(self, limit: int) -> list[StoredDeadLetter]:
        """Dead letters not yet confirmed as published, oldest first."""

    @abstractmethod
    def mark_published(self, ids: Sequence[int]) -> None:
        """Record that these dead letters reached the DLQ topic."""

    @abstractmethod
    def dead_letter_count(self) -> int:
        """How many messages were refused in all."""

    @abstractmethod
    def source_positions(self) -> dict[tuple[str, int], int]:
        """The last offset applied from each source topic and partition."""


class PostgresLedgerRecorder(PostgresApplicationRecorder, LedgerRecorder):
    """PostgreSQL recorder: events, inbox and dead letters in one transaction, events append-only."""

    def __init__(self, datastore: Any, *, events_table_name: str = "ledger_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.extend(SQL(s) for s in ledger_ddl(datastore.schema, events_table_name))
        self._schema = Identifier(datastore.schema)

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        inbox: list[InboxRecord] = kwargs.get("inbox", [])
        letters: list[DeadLetter] = kwargs.get("dead_letters", [])
        positions: dict[tuple[str, int], int] = kwargs.get("positions", {})
        if positions:
            curs.executemany(
                SQL("INSERT INTO {}.source_positions (topic, partition, \"offset\") VALUES (%s, %s, %s) "
                    "ON CONFLICT (topic, partition) DO UPDATE SET \"offset\" = "
                    "GREATEST(source_positions.\"offset\", EXCLUDED.\"offset\"), updated_at = now()")
                .format(self._schema),
                [(topic, partition, offset) for (topic, partition), offset in sorted(positions.items())],
            )
        if inbox:
            curs.executemany(
                SQL("INSERT INTO {}.inbox (event_id, type, outcome, source_topic, source_partition, "
                    "source_offset) VALUES (%s, %s, %s, %s, %s, %s)").format(self._schema),
                [(r.event_id, r.type, r.outcome, *_source(r.source)) for r in inbox],
            )
        if letters:
            curs.executemany(
                SQL("INSERT INTO {}.dead_letters (event_id, reason, detail, payload, source_topic, "
                    "source_partition, source_offset) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT DO NOTHING").format(self._schema),
                [(d.event_id, d.reason.value, d.detail, d.raw, *_source(d.source)) for d in letters],
            )
        super()._insert_events(curs, stored_events, **kwargs)

    def seen_event_ids(self, event_ids: Sequence[str]) -> set[str]:
        if not event_ids:
            return set()
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT event_id FROM {}.inbox WHERE event_id = ANY(%s)").format(self._schema),
                         (list(event_ids),))
            return {row["event_id"] for row in curs.fetchall()}

    def unpublished_dead_letters(self, limit: int) -> list[StoredDeadLetter]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT * FROM {}.dead_letters WHERE published_at IS NULL ORDER BY id LIMIT %s")
                         .format(self._schema), (limit,))
            return [_stored_letter(row) for row in curs.fetchall()]

    def mark_published(self, ids: Sequence[int]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("UPDATE {}.dead_letters SET published_at = now() WHERE id = ANY(%s)")
                         .format(self._schema), (list(ids),))

    def source_positions(self) -> dict[tuple[str, int], int]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT topic, partition, \"offset\" FROM {}.source_positions").format(self._schema))
            return {(r["topic"], r["partition"]): r["offset"] for r in curs.fetchall()}

    def dead_letter_count(self) -> int:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT count(*) AS n FROM {}.dead_letters").format(self._schema))
            row = curs.fetchone()
            return int(row["n"]) if row else 0


class MemoryLedgerRecorder(POPOApplicationRecorder, LedgerRecorder):
    """In-memory recorder for fast unit tests of the domain."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[str, InboxRecord] = {}
        self.dead_letters: list[StoredDeadLetter] = []
        self.published: set[int] = set()
        self.positions: dict[tuple[str, int], int] = {}
        self._extra_lock = threading.Lock()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        inbox: list[InboxRecord] = kwargs.get("inbox", [])
        with self._extra_lock:
            if any(r.event_id in self.inbox for r in inbox):
                raise IntegrityError("event already in the inbox")
            ids = super().insert_events(stored_events, **kwargs)
            self.inbox.update((r.event_id, r) for r in inbox)
            for key, offset in kwargs.get("positions", {}).items():
                self.positions[key] = max(offset, self.positions.get(key, -1))
            for letter in kwargs.get("dead_letters", []):
                self.dead_letters.append(StoredDeadLetter(len(self.dead_letters) + 1, letter))
            return ids

    def seen_event_ids(self, event_ids: Sequence[str]) -> set[str]:
        return {e for e in event_ids if e in self.inbox}

    def unpublished_dead_letters(self, limit: int) -> list[StoredDeadLetter]:
        return [d for d in self.dead_letters if d.id not in self.published][:limit]

    def mark_published(self, ids: Sequence[int]) -> None:
        self.published.update(ids)

    def dead_letter_count(self) -> int:
        return len(self.dead_letters)

    def source_positions(self) -> dict[tuple[str, int], int]:
        return dict(self.positions)


def construct_ledger_recorder(factory: InfrastructureFactory[Any]) -> LedgerRecorder:
    """The ledger recorder for the configured persistence module."""
    if isinstance(factory, PostgresFactory):
        with factory.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(factory.datastore.schema)))
        recorder = PostgresLedgerRecorder(factory.datastore)
        if factory.env_create_table():
            recorder.create_table()
        return recorder
    if isinstance(factory, POPOFactory):
        return MemoryLedgerRecorder()
    raise TypeError(f"the ledger supports PostgreSQL and in-memory persistence, not {type(factory).__name__}")


def _source(source: Source | None) -> tuple[str | None, int | None, int | None]:
    return (source.topic, source.partition, source.offset) if source else (None, None, None)


def _stored_letter(row: dict[str, Any]) -> StoredDeadLetter:
    from schemas.reasons import Reason

    source = Source(row["source_topic"], row["source_partition"], row["source_offset"]) \
        if row["source_topic"] is not None else None
    letter = DeadLetter(Reason(row["reason"]), row["detail"], bytes(row["payload"]), source, row["event_id"])
    return StoredDeadLetter(row["id"], letter)
