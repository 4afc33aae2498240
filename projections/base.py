"""What every read model provides to the runner that feeds it the ledger log."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from psycopg import Cursor

from ledger.core.changes import Change
from ledger.rules.postings import Posting
from ledger.store.codec import Record
from projections.tracking import SCHEMA


class Logged(NamedTuple):
    """One log entry as a read model sees it: its position, its id, and the decision it stores."""

    position: int
    entry_id: UUID
    record: Record


class Projection(ABC):
    """A read model built from the ledger's log, applied in batches."""

    name: str = ""

    def __init__(self, schema: str = SCHEMA) -> None:
        self.schema = schema  # where its tables are: the live read models, or a replay's

    @abstractmethod
    def ddl(self) -> list[str]:
        """Statements creating the projection's tables (idempotent)."""

    @abstractmethod
    def clear(self, curs: Cursor[Any]) -> None:
        """Delete every row, before a rebuild from position 0."""

    @abstractmethod
    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        """Apply a batch of applied log entries in the caller's transaction."""


def changes(entries: Sequence[Logged]) -> Iterator[tuple[Logged, Change]]:
    """Each change of each entry, in log order."""
    for entry in entries:
        for change in entry.record.changes:
            yield entry, change


def postings(entries: Sequence[Logged]) -> Iterator[tuple[Logged, Posting]]:
    """Each posting of each entry, in log order."""
    for entry in entries:
        for row in entry.record.postings:
            yield entry, Posting(*row)
