"""The ledger's store in memory, for tests: a log of entries, and the state restored by replaying it.

Every entry goes through the stored form on its way in, as it would into PostgreSQL, so what
is replayed is what the codec kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.core.clock import Mark, PartitionKey, merged
from ledger.core.decision import Notice
from ledger.core.entities import Sale
from ledger.core.messages import DeadLetter, Entry, FirstSeen
from ledger.core.state import State
from ledger.core.waiting import Waiter, Waiting
from ledger.store import codec, paged, snapshot
from ledger.store.port import Restored, Written
from ledger.store.replay import replay


class MemoryStore:
    """Keeps what a batch writes in lists; `fail_next` makes the next write fail (for tests)."""

    def __init__(self) -> None:
        self.log: list[Entry] = []
        self.dead_letters: list[DeadLetter] = []
        self.notices: dict[str, Notice] = {}
        self.marks: dict[PartitionKey, Mark] = {}
        self.latest_us: int | None = None
        self.fail_next: BaseException | None = None
        self._first: dict[str, FirstSeen] = {}
        self.personal: dict[tuple[str, str], dict[str, str]] = {}
        self.snapshot: tuple[int, bytes] | None = None  # (log entries it covers, the state)
        self.paged: dict[str, bytes] = {}  # sales paged out of the writer's memory, in their stored form

    def seen(self, event_ids: Sequence[str]) -> dict[str, FirstSeen]:
        """Which of these ids were recorded before."""
        return {event_id: self._first[event_id] for event_id in event_ids if event_id in self._first}

    def write(self, batch: Written) -> None:
        """Append a batch, or fail and append nothing."""
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        for entry in batch.entries:
            if entry.version == 1 and entry.key in self._first:
                raise KeyError(f"log entry {entry.key} version 1 exists")  # as the log's primary key would
            self._first.setdefault(entry.key, FirstSeen(entry.digest, entry.source))
        for entry in batch.entries:
            self.log.append(_stored(entry, batch.recorded_us))
            self.personal.update(((kind, key), fields) for kind, key, fields in codec.personal_data(entry.event))
        self.dead_letters.extend(batch.dead_letters)
        self.notices.update((notice.key, notice) for notice in batch.notices)
        if batch.snapshot is not None:
            self.paged.update((sale.sale_id, paged.encode(sale)) for sale in [*batch.paged_out.fresh, *batch.paged_out.again])
            self.snapshot = (len(self.log), batch.snapshot)
        self.marks = merged(self.marks, batch.marks)
        if batch.latest_us is not None:
            self.latest_us = batch.latest_us

    def restore(self) -> Restored:
        """The latest snapshot, then the log after it: the state is the fold of the decisions."""
        state, waiting, covered = State(), Waiting(), 0
        loaded = snapshot.load(self.snapshot[1]) if self.snapshot is not None else None
        if self.snapshot is not None and loaded is not None:
            covered, (state, waiting, _, _) = self.snapshot[0], loaded
        else:
            self.paged.clear()  # they belong to a snapshot that cannot be read: the whole log is replayed
        state.pager = self
        for entry in self.log[covered:]:
            replay(state, waiting, entry.key, entry.version, entry.decision, lambda earlier, e=entry: Waiter(
                codec.rejoin(e.event, self.personal), e.raw, e.source, e.digest or b"", e.at_us,
                earlier.parked_wall_us if earlier else 0))
        self._join(waiting)
        return Restored(state, waiting, dict(self.marks), self.latest_us)

    def _join(self, waiting: Waiting) -> None:
        """Events parked in the snapshot (stripped there) joined with their personal data and bytes again."""
        raws = {entry.key: entry.raw for entry in self.log if entry.status == "parked"}
        for waiter in waiting.by_id.values():
            if isinstance(waiter.event, codec.Stripped):
                waiter.raw = raws.get(waiter.event.event_id, b"")
                waiter.event = codec.rejoin(waiter.event.plain, self.personal)

    def sales(self, sale_ids: list[str]) -> list[Sale]:
        """The paged-out sales among these ids (the state's pager)."""
        return [paged.decode(self.paged[s]) for s in sale_ids if s in self.paged]

    def all_sales(self) -> list[Sale]:
        """Every paged-out sale (for tests)."""
        return [paged.decode(body) for body in self.paged.values()]

    def sales_since(self, kind: str, key: str, since_us: int) -> list[Sale]:
        """A program's or partner's paged-out sales from `since_us` on."""
        found = (paged.decode(body) for body in self.paged.values())
        return [s for s in found if (s.program_id if kind == "program" else s.partner_id) == key and s.at_us >= since_us]


def _stored(entry: Entry, recorded_us: int) -> Entry:
    """The entry as read back from its stored form (the event less personal data, the raw bytes kept)."""
    record = codec.decode(codec.encode(entry, recorded_us))
    return Entry(record.key, record.version, record.type, record.status, record.at_us, codec.decision_of(record),
                 codec.source_of(record), record.digest, record.event, entry.raw)
