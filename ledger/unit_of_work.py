"""The aggregates one batch reads and changes, saved together in one transaction."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

A = TypeVar("A", bound=Aggregate)


class UnitOfWork:
    """Keeps each aggregate once per batch, so later events see earlier events' changes."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app
        self._loaded: dict[UUID, Aggregate | None] = {}

    def get(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as changed so far in this batch, or None if it does not exist."""
        if aggregate_id not in self._loaded:
            try:
                self._loaded[aggregate_id] = self._app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                self._loaded[aggregate_id] = None
        found = self._loaded[aggregate_id]
        assert found is None or isinstance(found, kind)
        return found

    def add(self, aggregate: Aggregate) -> None:
        """Track a newly created aggregate."""
        self._loaded[aggregate.id] = aggregate

    def changed(self) -> list[Aggregate]:
        """Aggregates with events still to be saved."""
        return [a for a in self._loaded.values() if a is not None and a.pending_events]
