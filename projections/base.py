"""What every read model provides to the runner that feeds it the ledger log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from eventsourcing.utils import get_topic
from psycopg import Cursor


class Projection(ABC):
    """A read model built from ledger events, applied in batches."""

    name: str = ""
    event_classes: tuple[type[Any], ...] = ()

    @property
    def topics(self) -> frozenset[str]:
        """Stored-event topics this projection reads; others are skipped without decoding."""
        return frozenset(get_topic(cls) for cls in self.event_classes)

    @abstractmethod
    def ddl(self) -> list[str]:
        """Statements creating the projection's tables and views (idempotent)."""

    @abstractmethod
    def clear(self, curs: Cursor[Any]) -> None:
        """Delete every row, before a rebuild from position 0."""

    @abstractmethod
    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        """Apply a batch of domain events in the caller's transaction."""
