"""In-memory ledger recorder, for fast unit tests of the domain."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.persistence import Notification as LogEntry
from eventsourcing.popo import POPOApplicationRecorder

from ledger.maturation import Maturity
from ledger.notifications import Notification
from ledger.parking import ParkedEvent
from ledger.persistence import (
    FirstSeen,
    InboxRecord,
    LedgerRecorder,
    ParkingSummary,
    StoredDeadLetter,
)
from ledger.watermark import PartitionKey, PartitionMark


class MemoryLedgerRecorder(POPOApplicationRecorder, LedgerRecorder):
    """Keeps events, inbox, parking and dead letters in memory, with the same conflict rules."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[str, InboxRecord] = {}
        self.parked: dict[str, tuple[ParkedEvent, datetime]] = {}
        self.dead_letters: list[StoredDeadLetter] = []
        self.published: set[int] = set()
        self.positions: dict[PartitionKey, PartitionMark] = {}
        self.clock: datetime | None = None
        self.maturities: dict[str, Maturity] = {}
        self.sale_index: dict[str, tuple[str, str, datetime]] = {}
        self.notifications: list[tuple[int, Notification]] = []
        self.notification_keys: set[str] = set()
        self.notifications_published: set[int] = set()
        self._extra_lock = threading.Lock()

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self._extra_lock:
            self._check_conflicts(kwargs)
            ids = super().insert_events(stored_events, **kwargs)
            for event_id in kwargs.get("released", []):
                del self.parked[event_id]
            now = datetime.now(UTC)
            self.parked.update((p.event_id, (p, now)) for p in kwargs.get("parked", []))
            self.inbox.update((r.event_id, r) for r in kwargs.get("inbox", []))
            for event_id, outcome in kwargs.get("inbox_updates", {}).items():
                old = self.inbox[event_id]
                self.inbox[event_id] = InboxRecord(event_id, old.type, outcome, old.source, old.body)
            for letter in kwargs.get("dead_letters", []):
                self.dead_letters.append(StoredDeadLetter(len(self.dead_letters) + 1, letter))
            self._record_outbox(kwargs)
            if kwargs.get("clock") is not None:
                self.clock = max(kwargs["clock"], self.clock or kwargs["clock"])
            for key, mark in kwargs.get("positions", {}).items():
                self.positions[key] = self.positions[key].then(mark) if key in self.positions else mark
            return ids

    def _record_outbox(self, kwargs: dict[str, Any]) -> None:
        for sale_id, program_id, partner_id, occurred_at in kwargs.get("sales_decided", []):
            self.sale_index[sale_id] = (program_id, partner_id, occurred_at)
        for key in kwargs.get("matured", []):
            del self.maturities[key]
        self.maturities.update((m.key, m) for m in kwargs.get("maturities", []))
        for notification in kwargs.get("notifications", []):
            if notification.key not in self.notification_keys:
                self.notification_keys.add(notification.key)
                self.notifications.append((len(self.notifications) + 1, notification))

    def sales_since(self, kind: str, key: str, since: datetime) -> list[tuple[str, datetime]]:
        column = 0 if kind == "program" else 1
        return [(sale_id, row[2]) for sale_id, row in self.sale_index.items() if row[column] == key and row[2] >= since]

    def due_maturities(self, now: datetime, limit: int) -> list[Maturity]:
        due = sorted((m for m in self.maturities.values() if m.due_at <= now), key=lambda m: (m.due_at, m.key))
        return due[:limit]

    def unpublished_notifications(self, limit: int) -> list[tuple[int, Notification]]:
        return [n for n in self.notifications if n[0] not in self.notifications_published][:limit]

    def mark_notifications_published(self, ids: Sequence[int]) -> None:
        self.notifications_published.update(ids)

    def _check_conflicts(self, kwargs: dict[str, Any]) -> None:
        if any(r.event_id in self.inbox for r in kwargs.get("inbox", [])):
            raise IntegrityError("event already in the inbox")
        if any(e not in self.parked for e in kwargs.get("released", [])):
            raise IntegrityError("parked event already released")
        if any(k not in self.maturities for k in kwargs.get("matured", [])):
            raise IntegrityError("maturity already applied")
        for kind, key, since, count in kwargs.get("index_reads", []):
            if len(self.sales_since(kind, key, since)) != count:
                raise IntegrityError("sales were recorded under terms being corrected")
        for aggregate_id, version in kwargs.get("read_versions", {}).items():
            recorded = self.select_events(aggregate_id, desc=True, limit=1)
            if (recorded[0].originator_version if recorded else None) != version:
                raise IntegrityError("an aggregate changed since the batch read it")

    def seen_event_ids(self, event_ids: Sequence[str]) -> dict[str, FirstSeen]:
        return {e: FirstSeen(self.inbox[e].body, self.inbox[e].source) for e in event_ids if e in self.inbox}

    def parked_waiting_for(self, keys: Sequence[str]) -> list[ParkedEvent]:
        return [p for p, _ in self.parked.values() if p.waiting_for in keys]

    def waiting_on(self, keys: Sequence[str]) -> list[tuple[str, datetime, str]]:
        return [(p.waiting_for, p.occurred_at, p.event_id) for p, _ in self.parked.values() if p.waiting_for in keys]

    def events_of(self, ids: set[UUID]) -> dict[UUID, list[StoredEvent]]:
        found = {i: list(self.select_events(i)) for i in ids}
        return {i: events for i, events in found.items() if events}

    def notifications_after(self, position: int, limit: int) -> list[LogEntry]:
        return list(self.select_notifications(position, limit, inclusive_of_start=False))

    def parked_before(self, cutoff: datetime, parked_before: datetime) -> list[ParkedEvent]:
        return [p for p, at in self.parked.values() if p.occurred_at < cutoff and at <= parked_before]

    def event_clock(self) -> datetime | None:
        return self.clock

    def parking_summary(self) -> ParkingSummary:
        if not self.parked:
            return ParkingSummary(0, None, None)
        return ParkingSummary(len(self.parked), min(at for _, at in self.parked.values()),
                              min(p.occurred_at for p, _ in self.parked.values()))

    def unpublished_dead_letters(self, limit: int) -> list[StoredDeadLetter]:
        return [d for d in self.dead_letters if d.id not in self.published][:limit]

    def mark_published(self, ids: Sequence[int]) -> None:
        self.published.update(ids)

    def dead_letter_count(self) -> int:
        return len(self.dead_letters)

    def source_positions(self) -> dict[tuple[str, str, int], int]:
        return {key: mark.offset for key, mark in self.positions.items()}

    def partition_marks(self) -> dict[PartitionKey, PartitionMark]:
        return dict(self.positions)
