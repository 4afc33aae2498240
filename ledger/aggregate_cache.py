"""The writer's aggregates, kept between batches and loaded in bulk when a batch needs them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, LRUCache
from eventsourcing.domain import Aggregate

from ledger.persistence import LedgerRecorder

ABSENT_MAXSIZE = 50_000
LONG_LIVED_MAXSIZE = 20_000


class AggregateCache:
    """Aggregates as last committed, and ids known to have no events, for one writer.

    Batches change the cached objects themselves (no copy per read): every aggregate lent
    to a batch is forgotten if the batch fails, and kept if it commits. An id noted absent
    that another writer has since created makes the batch conflict under the write lock, and
    it is decided again.
    """

    def __init__(self, app: Application[UUID], recorder: LedgerRecorder,
                 long_lived: tuple[type[Aggregate], ...] = ()) -> None:
        self._app = app
        self._recorder = recorder
        self._absent: LRUCache[UUID, bool] = LRUCache(maxsize=ABSENT_MAXSIZE)
        self._lent: set[UUID] = set()
        # Aggregates read by nearly every batch, whose histories grow longest (partners), kept
        # apart: in a long run the flood of new sales evicted most partners from one shared cache.
        self._long_lived_types = long_lived
        self._long_lived: LRUCache[UUID, Aggregate] = LRUCache(maxsize=LONG_LIVED_MAXSIZE)

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate, or None if it has no events; lent to the batch until it commits or fails."""
        self._lent.add(aggregate_id)
        cached = self._cached(aggregate_id)
        if cached is not None or self._known_absent(aggregate_id):
            return cached
        try:
            return self._app.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            self._absent.put(aggregate_id, True)
            return None

    def peek(self, aggregate_id: UUID) -> Aggregate | None:
        """The cached aggregate, if any, without lending it to the batch (for planning a prefetch)."""
        return self._cached(aggregate_id)

    def prefetch(self, ids: Iterable[UUID]) -> None:
        """Load every aggregate of `ids` that is not cached in one query, noting those that do not exist."""
        wanted = {i for i in ids if self._cached(i) is None and not self._known_absent(i)}
        found = self._recorder.events_of(wanted)
        for aggregate_id in wanted:
            stored = found.get(aggregate_id)
            if not stored:
                self._absent.put(aggregate_id, True)
                continue
            # Not the library's project_aggregate(): it asserts each event against a runtime
            # Protocol, the same per-event cost LedgerApp._save avoids.
            aggregate: Aggregate | None = None
            for domain_event in map(self._app.mapper.to_domain_event, stored):
                aggregate = domain_event.mutate(aggregate)  # type: ignore[attr-defined]
            if aggregate is not None:
                self._put(aggregate)

    def as_read(self, aggregate_id: UUID, version: int) -> Aggregate:
        """The aggregate at `version`, from the store (the cached object may hold undone changes)."""
        return self._app.repository.get(aggregate_id, version=version)

    def saved(self, aggregates: Iterable[Aggregate]) -> None:
        """The batch committed: these aggregates are stored as they are now, and nothing is lent."""
        for aggregate in aggregates:
            self._evict(self._absent, aggregate.id)
            self._put(aggregate)
        self._lent.clear()

    def discard_lent(self) -> None:
        """The batch failed: what it read may hold its undone changes, or be stale; read it afresh."""
        for aggregate_id in self._lent:
            self.evict(aggregate_id)
            self._evict(self._absent, aggregate_id)
        self._lent.clear()

    def evict(self, aggregate_id: UUID) -> None:
        """Read this aggregate afresh next time."""
        self._evict(self._long_lived, aggregate_id)
        if self._app.repository.cache is not None:
            self._evict(self._app.repository.cache, aggregate_id)

    def _put(self, aggregate: Aggregate) -> None:
        if isinstance(aggregate, self._long_lived_types):
            self._long_lived.put(aggregate.id, aggregate)
        elif self._app.repository.cache is not None:
            self._app.repository.cache.put(aggregate.id, aggregate)

    def _cached(self, aggregate_id: UUID) -> Aggregate | None:
        for cache in (self._long_lived, self._app.repository.cache):
            if cache is None:
                continue
            try:
                return cache.get(aggregate_id)
            except KeyError:
                continue
        return None

    def _known_absent(self, aggregate_id: UUID) -> bool:
        try:
            return self._absent.get(aggregate_id)
        except KeyError:
            return False

    @staticmethod
    def _evict(cache: LRUCache[UUID, object] | object, key: UUID) -> None:
        with contextlib.suppress(KeyError):
            cache.get(key, evict=True)  # type: ignore[attr-defined]
