"""The ledger application: decides each input event and appends the outcome, one batch per transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.aggregate_cache import AggregateCache
from ledger.batch import BatchResult, DeadLetter, Inbound
from ledger.decider import BatchDecider
from ledger.errors import ConcurrencyError
from ledger.idempotency import body_digest
from ledger.partner import Partner
from ledger.payout_queue import Unfunded
from ledger.persistence import InboxRecord, LedgerRecorder, construct_ledger_recorder
from ledger.program import Program
from ledger.sale import Sale
from ledger.transcoder import OrjsonTranscoder
from ledger.unit_of_work import UnitOfWork
from ledger.watermark import PartitionMark, batch_marks, event_clock, latest_event_time
from schemas.parsing import Invalid
from schemas.reasons import Reason

T = TypeVar("T")
MAX_ATTEMPTS = 8
DEFAULT_GRACE_DAYS = 7
DEFAULT_MIN_WAIT_S = 300


class LedgerApp(Application[UUID]):
    """Append-only commission ledger; every input `event_id` is applied at most once."""

    name = "Ledger"
    # The cache is not fast-forwarded: a stale aggregate makes the batch conflict, and a
    # conflicting batch is decided again with what it read read afresh. 20,000 aggregates here,
    # and as many partners and programs in a cache of their own, keep the worker's memory flat.
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "20000", "AGGREGATE_CACHE_FASTFORWARD": "n"}

    @property
    def parking_grace(self) -> timedelta:
        """How much event time a parked event may wait before it is refused."""
        return timedelta(days=float(self.env.get("LEDGER_PARKING_GRACE_DAYS") or DEFAULT_GRACE_DAYS))

    @property
    def parking_min_wait(self) -> timedelta:
        """Wall-clock time a parked event waits at least before it can be refused."""
        return timedelta(seconds=float(self.env.get("LEDGER_PARKING_MIN_WAIT_S") or DEFAULT_MIN_WAIT_S))

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        self._writer = threading.RLock()
        self.aggregates = AggregateCache(self, self.ledger_recorder, long_lived=(Partner, Program))
        self._unfunded: dict[str, Unfunded] = {}

    def construct_transcoder(self) -> OrjsonTranscoder:  # type: ignore[override]
        transcoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_recorder(self) -> LedgerRecorder:  # type: ignore[override]
        return construct_ledger_recorder(self.factory)

    @property
    def ledger_recorder(self) -> LedgerRecorder:
        """The recorder, with the ledger's inbox and dead-letter tables."""
        assert isinstance(self.recorder, LedgerRecorder)
        return self.recorder

    def apply_batch(self, items: Sequence[Inbound]) -> BatchResult:
        """Apply a batch in one transaction; decide it again if another writer got there first."""
        result, attempts = self._until_no_conflict(lambda: self._apply_once(items), "batch")
        result.attempts = attempts
        return result

    def _until_no_conflict(self, decide: Callable[[], T], what: str) -> tuple[T, int]:
        """Run `decide` (decide and save); on a conflict, read afresh what it read and decide again.

        A batch changes the cached aggregates themselves, so one writer at a time decides, and
        any failure (not only a conflict) discards the aggregates it read before the error goes on.
        """
        with self._writer:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    return decide(), attempt
                except (RecordConflictError, ConcurrencyError):
                    self.aggregates.discard_lent()
                except BaseException:
                    self.aggregates.discard_lent()
                    raise
        raise ConcurrencyError(f"{what} still conflicting after {MAX_ATTEMPTS} attempts")

    def _apply_once(self, items: Sequence[Inbound]) -> BatchResult:
        started = time.perf_counter()
        seen = self.ledger_recorder.seen_event_ids(_event_ids(items))
        decider = BatchDecider(UnitOfWork(self.aggregates), seen, self.ledger_recorder, self._unfunded)
        # Not the repeats: at the end of a backlog a batch of them reloaded old sales and month-long
        # milestone histories evicted long before (11 s and 150 MB in one million-event run).
        decider.prefetch([i.event for i in items if isinstance(i.event, Invalid) or i.event.event_id not in seen])
        decider.make_available(list(self.ledger_recorder.keys_to_recheck))
        for item in items:
            decider.decide(item)
        decider.release_stored()
        latest = latest_event_time(self.ledger_recorder.event_clock(), items)
        marks = batch_marks(items)
        clock = event_clock(latest, self.ledger_recorder.partition_marks(), marks)
        if clock is not None:
            decider.expire(clock, self.parking_grace, self.parking_min_wait)
            decider.release_stored()
        decided = time.perf_counter()
        encode_s = self._save_decision(decider.handlers.uow, decider, positions=marks, clock=latest)
        self.ledger_recorder.keys_to_recheck = ()
        result = decider.result
        result.decide_s, result.encode_s = decided - started, encode_s
        result.save_s = time.perf_counter() - decided - encode_s
        return result

    def refuse(self, item: Inbound, reason: Reason, detail: str) -> BatchResult:
        """Dead-letter one message the ledger could not process, so the stream moves on."""
        event = item.event
        event_id = None if isinstance(event, Invalid) else event.event_id
        letter = DeadLetter(reason, detail, item.raw, item.source, event_id)
        already = self.ledger_recorder.seen_event_ids([event_id]) if event_id else {}
        body = None if isinstance(event, Invalid) else body_digest(item.raw, event)
        inbox = [InboxRecord(event_id, event.type, "rejected", item.source, body)] if event_id and not already else []
        with self._writer:
            # The one message's offset only: what it says of its partition's time is not trusted.
            positions = {key: PartitionMark(mark.offset) for key, mark in batch_marks([item]).items()}
            self._save([], inbox=inbox, dead_letters=[letter], positions=positions)
        return BatchResult(dead_letters=[letter])

    def expire_parked(self) -> BatchResult | None:
        """On a quiet stream: refuse parked events past their grace, as the next batch would."""
        if not self.ledger_recorder.parking_summary().count:
            return None
        return self.apply_batch([])

    def mature_due(self, now: datetime, limit: int = 1000) -> int:
        """Make every pending line due by `now` available; returns how many lines were due."""
        return self._until_no_conflict(lambda: self._mature_once(now, limit), "maturation")[0]

    def _mature_once(self, now: datetime, limit: int) -> int:
        due = self.ledger_recorder.due_maturities(now, limit)
        if not due:
            return 0
        uow = UnitOfWork(self.aggregates)
        decider = BatchDecider(uow, {}, self.ledger_recorder, self._unfunded)
        for maturity in due:
            sale = uow.get(Sale, Sale.create_id(maturity.sale_id))
            released = decider.handlers.effects.mature(sale, maturity, now) if sale else None
            decider.make_available([released] if released else [])
        decider.release_stored()
        self._save_decision(uow, decider, matured=[m.key for m in due])
        return len(due)

    def _save_decision(self, uow: UnitOfWork, decider: BatchDecider, **extra: Any) -> float:
        """Save what a unit of work changed with every record the recorder writes beside it;
        returns the seconds spent encoding."""
        records = decider.records
        return self._save(uow.changed(), inbox=list(records.inbox.values()), inbox_updates=records.inbox_updates,
                   parked=list(records.parked.values()), released=sorted(records.released),
                   kept_waiting=sorted(records.kept),
                   dead_letters=decider.result.dead_letters, notifications=uow.notifications,
                   maturities=uow.maturities, read_versions=uow.read_versions,
                   made_available=sorted(decider.made_available), sales_decided=uow.sales_decided,
                   index_reads=uow.index_reads, **extra)

    def _save(self, aggregates: list[Aggregate], **kwargs: Any) -> float:
        # Saving events in the order they happened keeps the ledger's global order causal.
        events = sorted((e for a in aggregates for e in a.collect_events()), key=lambda e: e.timestamp)
        # The mapper and the recorder directly, as EventStore.put would call them (and timed
        # apart): Application.save() checks each event against a runtime Protocol, which cost
        # more than encoding it.
        started = time.perf_counter()
        stored = [self.mapper.to_stored_event(e) for e in events]
        encoded = time.perf_counter()
        self.recorder.insert_events(stored, **kwargs)
        self.aggregates.saved(aggregates)
        return encoded - started


def _event_ids(items: Sequence[Inbound]) -> list[str]:
    return [i.event.event_id for i in items if not isinstance(i.event, Invalid)]
