"""The ledger's single writer: folds batches over its state and writes each in one transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from ledger.core.batch import Fold
from ledger.core.clock import batch_marks, event_clock, merged
from ledger.core.decision import Applied, Refused
from ledger.core.messages import DeadLetter, Entry, Received
from ledger.core.paging import DEFAULT_HOT_SALES, page_out
from ledger.rules.periods import DAY_US, micros
from ledger.store import snapshot
from ledger.store.port import Store, Written
from schemas.parsing import Invalid
from schemas.reasons import Reason
from schemas.wire import canonical_digest, decode

DEFAULT_GRACE_DAYS = 7
DEFAULT_MIN_WAIT_S = 300
# Log entries between snapshots of the writer's state: a restart replays at most about this many.
DEFAULT_SNAPSHOT_EVERY = 100_000
SUMMARY_EVERY_S = 5.0  # how stale `ledger status`'s oldest parked times may be


@dataclass
class Outcome:
    """What one batch did: applied, skipped as already applied, net parked, refused; and its timings."""

    applied: int = 0
    duplicates: int = 0
    parked: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)
    decide_s: float = 0.0
    encode_s: float = 0.0  # of the save, turning decisions into stored records
    save_s: float = 0.0
    chain_s: float = 0.0  # of the save, the hash chain: links, their COPY, seals


class LedgerWriter:
    """Owns the decision state, one caller at a time; after any failure it is thrown away and restored."""

    def __init__(self, store: Store, grace_days: float = DEFAULT_GRACE_DAYS,
                 min_wait_s: float = DEFAULT_MIN_WAIT_S, snapshot_every: int = DEFAULT_SNAPSHOT_EVERY,
                 hot_sales: int = DEFAULT_HOT_SALES) -> None:
        self.store = store
        self.hot_sales = hot_sales
        self.grace_us = int(grace_days * DAY_US)
        self.min_wait_us = int(min_wait_s * 1_000_000)
        self.snapshot_every = snapshot_every
        self._since_snapshot = 0
        self._oldest: tuple[int | None, int | None, float] = (None, None, 0.0)  # parked: when, dated, found at
        self._stale = True
        # The batches and the timer (maturation, expiry) run in threads of their own: one at a time.
        self._lock = threading.RLock()
        self._restore()

    def _restore(self) -> None:
        if not self._stale:
            return
        restored = self.store.restore()
        self.state, self.waiting = restored.state, restored.waiting
        self.marks, self.latest_us = restored.marks, restored.latest_us
        self._stale = False

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """One caller at a time, on a state restored if needed; any failure makes it stale."""
        with self._lock:
            self._restore()
            try:
                yield
            except BaseException:
                self._stale = True  # a fold changes the state as it goes: what was not written is undone on reload
                raise

    def apply(self, items: Sequence[Received]) -> Outcome:
        """Decide a batch and write it; nothing of it is kept in memory unless it was written."""
        with self._turn():
            return self._apply(items)

    def _apply(self, items: Sequence[Received]) -> Outcome:
        started = time.perf_counter()
        now_us = time.time_ns() // 1000
        seen_ids = self.state.seen_ids
        ids = [item.event.event_id for item in items if hasattr(item.event, "type")]
        ids = [event_id for event_id in ids if seen_ids.might_contain(event_id)]
        parked_before = len(self.waiting)
        self.state.page_in(sale_id for item in items if (sale_id := getattr(item.event, "sale_id", None)))
        fold = Fold(self.state, self.waiting, self.store.seen(ids), now_us)
        for item in items:
            fold.receive(item)
        read = [(item.source, _event_us(item)) for item in items]
        these = batch_marks(read, now_us)
        marks = merged(self.marks, these)
        times = [t for _, t in read if t is not None]
        latest = max([*times, *([self.latest_us] if self.latest_us is not None else [])], default=None)
        if latest is not None:
            latest = min(latest, now_us + 86_400_000_000)
        clock = event_clock(latest, marks)
        if clock is not None:
            fold.expire(clock, self.grace_us, self.min_wait_us)
        decided = time.perf_counter()
        written = Written(marks=these, latest_us=latest, recorded_us=now_us)
        self._since_snapshot += len(fold.entries)
        if self._since_snapshot >= self.snapshot_every:
            written.paged_out = page_out(self.state, self.hot_sales)
            written.snapshot = snapshot.dump(self.state, self.waiting, marks, latest)
        self._write(fold, written)
        if written.snapshot is not None:
            self._since_snapshot = 0
        self.marks, self.latest_us = marks, latest
        return Outcome(fold.applied, fold.duplicates, len(self.waiting) - parked_before, fold.dead_letters,
                       decided - started, written.encode_s, time.perf_counter() - decided - written.encode_s,
                       written.chain_s)

    def mature(self, now_us: int, limit: int = 1000) -> int:
        """Make pending lines due by `now_us` available; returns how many were due."""
        with self._turn():
            fold = Fold(self.state, self.waiting, {}, time.time_ns() // 1000)
            due = fold.mature(now_us, limit)
            if due:
                self._write(fold, Written(recorded_us=fold.now_wall_us))
            return due

    def expire_parked(self) -> Outcome | None:
        """On a quiet stream: refuse parked events past their grace, as the next batch would."""
        with self._turn():
            return self._apply([]) if len(self.waiting) else None

    def refuse(self, item: Received, reason: Reason, detail: str) -> Outcome:
        """Dead-letter one message the ledger could not process, so the stream moves on."""
        with self._turn():
            return self._refuse(item, reason, detail)

    def _refuse(self, item: Received, reason: Reason, detail: str) -> Outcome:
        event = item.event
        letter = DeadLetter(reason, detail, item.raw, item.source, getattr(event, "event_id", None))
        now_us = time.time_ns() // 1000
        entries = []
        if hasattr(event, "type") and not self.store.seen([event.event_id]):
            # Recorded as refused, so that its redelivery is a repeat, not tried again.
            entries.append(Entry(event.event_id, 1, event.type, "refused", micros(event.occurred_at),
                                 Refused(reason, detail), item.source, item.digest, event, item.raw))
        # The one message's offset only: what it says of its partition's time is not trusted.
        marks = batch_marks([(item.source, None)], now_us)
        self.commit(Written(entries=entries, dead_letters=[letter], marks=marks, recorded_us=now_us))
        self.marks = merged(self.marks, marks)
        return Outcome(dead_letters=[letter])

    def _write(self, fold: Fold, batch: Written) -> None:
        batch.entries, batch.dead_letters = fold.entries, fold.dead_letters
        batch.waiting = self._waiting_summary()
        batch.notices = [n for e in fold.entries if isinstance(e.decision, Applied) for n in e.decision.notices]
        self.commit(batch)

    def commit(self, batch: Written) -> None:
        """Write a batch; the ids it records for the first time are remembered as seen."""
        self.store.write(batch)
        for entry in batch.entries:
            if entry.version == 1:
                self.state.seen_ids.add(entry.key)

    def _waiting_summary(self) -> tuple[int, int | None, int | None]:
        # The count is exact; the oldest times are looked for at most every few seconds: with tens of
        # thousands parked while a backlog is read, scanning them every batch cost more than deciding.
        waiters = self.waiting.by_id.values()
        if not waiters:
            self._oldest = (None, None, 0)
            return 0, None, None
        parked_us, occurred_us, found_at = self._oldest
        now = time.monotonic()
        if parked_us is None or now - found_at > SUMMARY_EVERY_S:
            parked_us, occurred_us = min(w.parked_wall_us for w in waiters), min(w.at_us for w in waiters)
            self._oldest = (parked_us, occurred_us, now)
        return len(waiters), parked_us, occurred_us


def _event_us(item: Received) -> int | None:
    event = item.event
    if not hasattr(event, "type"):
        return None
    return micros(event.occurred_at)


def received(raw: bytes, source: object = None) -> Received:
    """A message as the writer takes it: decoded by the hot-path parser, with its body's digest."""
    event = decode(raw)
    digest = canonical_digest(event) if not isinstance(event, Invalid) else None
    return Received(event, raw, source, digest)
