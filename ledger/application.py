"""The ledger application: decides each input event and appends the outcome, one batch per transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.batch import BatchResult, DeadLetter, Inbound
from ledger.errors import ConcurrencyError, RejectedError
from ledger.handlers import Handlers
from ledger.persistence import InboxRecord, LedgerRecorder, construct_ledger_recorder
from ledger.unit_of_work import UnitOfWork
from schemas.parsing import Invalid

MAX_ATTEMPTS = 8


class LedgerApp(Application[UUID]):
    """Append-only commission ledger; every input `event_id` is applied at most once."""

    name = "Ledger"
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "10000"}

    def construct_recorder(self) -> LedgerRecorder:  # type: ignore[override]
        return construct_ledger_recorder(self.factory)

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        """The recorder, with the ledger's inbox and dead-letter tables."""
        assert isinstance(self.recorder, LedgerRecorder)
        return self.recorder

    def apply_batch(self, items: Sequence[Inbound]) -> BatchResult:
        """Apply a batch in one transaction; decide it again if another writer got there first."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                result = self._apply_once(items)
            except (RecordConflictError, ConcurrencyError):
                self.repository.cache and self.repository.cache.clear()  # type: ignore[func-returns-value]
                continue
            result.attempts = attempt
            return result
        msg = f"batch still conflicting after {MAX_ATTEMPTS} attempts"
        raise ConcurrencyError(msg)

    def _apply_once(self, items: Sequence[Inbound]) -> BatchResult:
        result = BatchResult()
        seen = self.ledger_recorder.seen_event_ids(_event_ids(items))
        uow = UnitOfWork(self)
        inbox: list[InboxRecord] = []
        for item in items:
            self._decide(item, uow, seen, result, inbox)
        self._save(uow.changed(), inbox=inbox, dead_letters=result.dead_letters, positions=_positions(items))
        return result

    def _decide(self, item: Inbound, uow: UnitOfWork, seen: set[str], result: BatchResult,
                inbox: list[InboxRecord]) -> None:
        event = item.event
        if isinstance(event, Invalid):
            result.dead_letters.append(DeadLetter(event.reason, event.detail, item.raw, item.source, event.event_id))
            return
        if event.event_id in seen:
            result.duplicates += 1
            return
        seen.add(event.event_id)
        try:
            Handlers(uow).handle(event)
        except RejectedError as error:
            result.dead_letters.append(DeadLetter(error.reason, error.detail, item.raw, item.source, event.event_id))
            inbox.append(InboxRecord(event.event_id, event.type, "rejected", item.source))
            return
        result.applied += 1
        inbox.append(InboxRecord(event.event_id, event.type, "applied", item.source))

    def _save(self, aggregates: list[Aggregate], **kwargs: Any) -> None:
        # Saving events in the order they happened keeps the ledger's global order causal.
        events = sorted((e for a in aggregates for e in a.collect_events()), key=lambda e: e.timestamp)
        self.save(*events, **kwargs)


def _positions(items: Sequence[Inbound]) -> dict[tuple[str, int], int]:
    positions: dict[tuple[str, int], int] = {}
    for item in items:
        if item.source is not None:
            key = (item.source.topic, item.source.partition)
            positions[key] = max(item.source.offset, positions.get(key, -1))
    return positions


def _event_ids(items: Sequence[Inbound]) -> list[str]:
    return [i.event.event_id for i in items if not isinstance(i.event, Invalid)]
