"""The aggregates one batch reads and changes, saved together in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.aggregate_cache import AggregateCache
from ledger.ids import aggregate_id
from ledger.maturation import Maturity
from ledger.notifications import Notification
from schemas.parsing import Invalid

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class Checkpoint:
    """Pending events per aggregate and side records, before one event was applied."""

    pending: dict[UUID, int]
    side: tuple[int, int, int]


class UnitOfWork:
    """Keeps each aggregate once per batch, so later events see earlier events' changes."""

    def __init__(self, aggregates: AggregateCache) -> None:
        self._aggregates = aggregates
        self._loaded: dict[UUID, Aggregate | None] = {}
        self.read_versions: dict[UUID, int | None] = {}
        self._touched: dict[UUID, int] = {}
        self.notifications: list[Notification] = []
        self.maturities: list[Maturity] = []
        self.sales_decided: list[tuple[str, str, str, datetime]] = []
        self.index_reads: list[tuple[str, str, datetime, int]] = []

    def get(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as changed so far in this batch, or None if it does not exist."""
        if aggregate_id not in self._loaded:
            # The cached aggregate itself, not a copy: the application forgets its cache
            # whenever a batch fails, and rollback() reads an undone aggregate afresh.
            loaded = self._loaded[aggregate_id] = self._aggregates.get(aggregate_id)
            # What the batch decided on; checked again under the write lock before it commits.
            self.read_versions[aggregate_id] = loaded.version if loaded is not None else None
        found = self._loaded[aggregate_id]
        assert found is None or isinstance(found, kind)
        self._touched.setdefault(aggregate_id, len(found.pending_events) if found is not None else 0)
        return found

    def add(self, aggregate: Aggregate) -> None:
        """Track a newly created aggregate (it did not exist when the batch read)."""
        self.read_versions.setdefault(aggregate.id, None)
        self._touched.setdefault(aggregate.id, 0)
        self._loaded[aggregate.id] = aggregate

    def checkpoint(self) -> Checkpoint:
        """Where the batch stands, so a refused or parked event can be undone.

        Pending-event counts are noted lazily, when an aggregate is first touched after the
        checkpoint: only aggregates reached through the unit of work can change.
        """
        self._touched = {}
        return Checkpoint(self._touched, (len(self.notifications), len(self.maturities), len(self.sales_decided)))

    def rollback(self, checkpoint: Checkpoint) -> None:
        """Undo everything since the checkpoint: an event is applied whole or not at all."""
        for touched, before in checkpoint.pending.items():
            aggregate = self._loaded.get(touched)
            if aggregate is not None and len(aggregate.pending_events) > before:
                self._loaded[touched] = self._replay(touched, aggregate.pending_events[:before])
                self._aggregates.evict(touched)
        notifications, maturities, sales = checkpoint.side
        del self.notifications[notifications:], self.maturities[maturities:], self.sales_decided[sales:]

    def _replay(self, aggregate_id: UUID, events: list[Any]) -> Aggregate | None:
        # The aggregate as read (or absent), plus the events earlier events of the batch added.
        version = self.read_versions.get(aggregate_id)
        aggregate = self._aggregates.as_read(aggregate_id, version) if version is not None else None
        for domain_event in events:
            aggregate = domain_event.mutate(aggregate)
        if aggregate is not None:
            aggregate._pending_events = list(events)  # noqa: SLF001 - restoring what was pending
        return aggregate

    def peek(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate if this batch or the cache already has it, without counting it as read."""
        found = self._loaded[aggregate_id] if aggregate_id in self._loaded else self._aggregates.peek(aggregate_id)
        return found if isinstance(found, kind) else None

    def prefetch(self, ids: Iterable[UUID]) -> None:
        """Load the aggregates these events will read, in one query rather than one each."""
        self._aggregates.prefetch(i for i in ids if i not in self._loaded)

    def changed(self) -> list[Aggregate]:
        """Aggregates with events still to be saved."""
        return [a for a in self._loaded.values() if a is not None and a.pending_events]


_KEYS = (("program_id", "program"), ("partner_id", "partner"), ("recruited_by", "partner"),
         ("sale_id", "sale"), ("decline_id", "decline"), ("subscription_id", "subscription"))


def referenced_ids(events: Iterable[object]) -> set[UUID]:
    """Ids of every aggregate these events name directly."""
    return set(_ids(events))


def _ids(events: Iterable[object]) -> Iterable[UUID]:
    for event in events:
        if isinstance(event, Invalid):
            continue
        for attribute, kind in _keys_of(type(event)):
            key = getattr(event, attribute, None)
            if isinstance(key, str):
                yield aggregate_id(kind, key)


@cache
def _keys_of(event_type: type) -> tuple[tuple[str, str], ...]:
    # Only the fields the event type has: a pydantic model answers a missing attribute through
    # a slow __getattr__ that raises (4 % of deciding, as getattr with a default).
    fields = getattr(event_type, "model_fields", None)
    return _KEYS if fields is None else tuple((a, k) for a, k in _KEYS if a in fields)
