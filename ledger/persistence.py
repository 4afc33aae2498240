"""What the ledger records beside its events, and which recorder keeps it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.persistence import Notification as LogEntry

from ledger.batch import DeadLetter, Source
from ledger.maturation import Maturity
from ledger.notifications import Notification
from ledger.parking import ParkedEvent
from ledger.watermark import PartitionKey, PartitionMark


@dataclass(frozen=True)
class InboxRecord:
    """An input event the ledger has decided or parked, so a repeat is detected, not applied."""

    event_id: str
    type: str
    outcome: str
    source: Source | None
    body: bytes | None = None  # digest of the event's canonical body (ledger.idempotency)


@dataclass(frozen=True)
class FirstSeen:
    """What the ledger kept of the first event recorded under an id, to tell a repeat from a reuse."""

    body: bytes | None  # None for events recorded before bodies were kept: taken as a repeat
    source: Source | None


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter as kept in the ledger database until it is published."""

    id: int
    letter: DeadLetter


@dataclass(frozen=True)
class ParkingSummary:
    """How many events wait for a prerequisite, and since when."""

    count: int
    oldest_parked_at: datetime | None
    oldest_occurred_at: datetime | None


class LedgerRecorder(ABC):
    """What the ledger needs beyond an eventsourcing application recorder.

    `insert_events` takes, beside the stored events and in the same transaction:
    `inbox`, `inbox_updates`, `parked`, `released`, `kept_waiting` (parked events looked at and left
    waiting), `dead_letters`, `positions` (a `PartitionMark`
    per input partition), `clock`,
    `notifications`, `maturities`, `matured` (keys of maturities applied), `read_versions`,
    `made_available`, `sales_decided` and `index_reads` (checked under the write lock).
    `keys_to_recheck` are keys whose parked events the next batch looks at once (after a migration).
    """

    keys_to_recheck: Sequence[str] = ()

    def reachable(self) -> bool:
        """Whether the store answers now (a failure then is not the message's fault)."""
        return True

    @abstractmethod
    def seen_event_ids(self, event_ids: Sequence[str]) -> dict[str, FirstSeen]:
        """The given event ids that were already decided or parked, with their first body and source."""

    @abstractmethod
    def parked_waiting_for(self, keys: Sequence[str]) -> list[ParkedEvent]:
        """Events parked until one of `keys` (e.g. `partner:rex`) is recorded."""

    @abstractmethod
    def waiting_on(self, keys: Sequence[str]) -> list[tuple[str, datetime, str]]:
        """(key, event time, event id) of every event parked until one of `keys`; no raw bytes."""

    @abstractmethod
    def sales_since(self, kind: str, key: str, since: datetime) -> list[tuple[str, datetime]]:
        """(sale id, event time) of a program's (`kind` "program") or partner's sales from `since` on."""

    @abstractmethod
    def due_maturities(self, now: datetime, limit: int) -> list[Maturity]:
        """Pending lines due by `now`, earliest first."""

    @abstractmethod
    def unpublished_notifications(self, limit: int) -> list[tuple[int, Notification]]:
        """Commission notifications not yet confirmed as published, oldest first."""

    @abstractmethod
    def mark_notifications_published(self, ids: Sequence[int]) -> None:
        """Record that these notifications reached their topic."""

    @abstractmethod
    def events_of(self, ids: set[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every stored event of each of these aggregates that exists, in version order."""

    @abstractmethod
    def notifications_after(self, position: int, limit: int) -> list[LogEntry]:
        """Up to `limit` stored events after ledger position `position`, in order (for projections)."""

    @abstractmethod
    def parked_before(self, cutoff: datetime, parked_before: datetime) -> list[ParkedEvent]:
        """Parked events whose event time is before `cutoff`, parked before `parked_before`."""

    @abstractmethod
    def event_clock(self) -> datetime | None:
        """The latest event time the ledger has received (its watermark)."""

    @abstractmethod
    def parking_summary(self) -> ParkingSummary:
        """Count and age of parked events."""

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
    def source_positions(self) -> dict[tuple[str, str, int], int]:
        """The last offset applied from each (cluster, topic, partition)."""

    @abstractmethod
    def partition_marks(self) -> dict[PartitionKey, PartitionMark]:
        """How far each input partition has been read: offset, latest event time, backlog then."""


def construct_ledger_recorder(factory: InfrastructureFactory[Any]) -> LedgerRecorder:
    """The ledger recorder for the configured persistence module."""
    from eventsourcing.popo import POPOFactory
    from eventsourcing.postgres import PostgresFactory

    if isinstance(factory, PostgresFactory):
        from ledger.postgres_recorder import PostgresLedgerRecorder

        return PostgresLedgerRecorder.construct(factory)
    if isinstance(factory, POPOFactory):
        from ledger.memory_recorder import MemoryLedgerRecorder

        return MemoryLedgerRecorder()
    raise TypeError(f"the ledger supports PostgreSQL and in-memory persistence, not {type(factory).__name__}")
