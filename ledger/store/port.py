"""What the writer needs of a store: who was seen, the durable state to start from, and one write per batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ledger.core.clock import Mark, PartitionKey
from ledger.core.decision import Notice
from ledger.core.messages import DeadLetter, Entry, FirstSeen
from ledger.core.paging import PagedOut
from ledger.core.state import State
from ledger.core.waiting import Waiting


@dataclass
class Written:
    """Everything one batch writes, in one transaction."""

    entries: list[Entry] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    marks: dict[PartitionKey, Mark] = field(default_factory=dict)
    latest_us: int | None = None
    recorded_us: int = 0
    waiting: tuple[int, int | None, int | None] = (0, None, None)  # parked: how many, oldest parked, oldest dated
    encode_s: float = 0.0  # set by the store: seconds spent encoding the entries
    chain_s: float = 0.0  # set by the store: seconds spent linking them onto the hash chain (and sealing)
    snapshot: bytes | None = None  # the writer's state after this batch, when it is time for one
    paged_out: PagedOut = field(default_factory=lambda: PagedOut([], []))  # sales the snapshot leaves out


@dataclass
class Restored:
    """The writer's durable state: decisions, parked events, partition marks and the latest event time."""

    state: State
    waiting: Waiting
    marks: dict[PartitionKey, Mark]
    latest_us: int | None


class Store(Protocol):
    """The writer's storage."""

    def seen(self, event_ids: Sequence[str]) -> dict[str, FirstSeen]:
        """Which of these event ids were recorded before, with the first body's digest and source."""

    def restore(self) -> Restored:
        """The state as of the last batch written."""

    def write(self, batch: Written) -> None:
        """Write a batch atomically, or raise and write nothing."""
