"""Decides one batch: applies, parks, releases and refuses events, collecting what to record."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.batch import BatchResult, DeadLetter, Inbound, Source
from ledger.errors import RejectedError, UnknownReferenceError
from ledger.handlers import Handlers
from ledger.parking import ParkedEvent
from ledger.persistence import InboxRecord, LedgerRecorder
from ledger.unit_of_work import UnitOfWork
from schemas.events import InputEvent
from schemas.parsing import Invalid, parse_event


@dataclass
class BatchRecords:
    """Rows a batch writes beside its events, in the same transaction."""

    inbox: dict[str, InboxRecord] = field(default_factory=dict)
    inbox_updates: dict[str, str] = field(default_factory=dict)
    parked: dict[str, ParkedEvent] = field(default_factory=dict)
    released: set[str] = field(default_factory=set)


class BatchDecider:
    """Walks a batch in order; an event whose prerequisite is missing waits instead of failing."""

    def __init__(self, uow: UnitOfWork, seen: set[str], recorder: LedgerRecorder) -> None:
        self.handlers = Handlers(uow)
        self.seen = seen
        self.recorder = recorder
        self.result = BatchResult()
        self.records = BatchRecords()

    def decide(self, item: Inbound) -> None:
        """Decide one received message."""
        event = item.event
        if isinstance(event, Invalid):
            self.result.dead_letters.append(DeadLetter(event.reason, event.detail, item.raw, item.source, event.event_id))
            return
        if event.event_id in self.seen:
            self.result.duplicates += 1
            return
        self.seen.add(event.event_id)
        self._apply(event, item.raw, item.source)

    def _apply(self, event: InputEvent, raw: bytes, source: Source | None) -> None:
        try:
            made_available = self.handlers.handle(event)
        except UnknownReferenceError as missing:
            self._park(ParkedEvent(event.event_id, missing.waiting_for, event.occurred_at, raw, source), event.type)
            return
        except RejectedError as error:
            self.result.dead_letters.append(DeadLetter(error.reason, error.detail, raw, source, event.event_id))
            self._outcome(event.event_id, event.type, "rejected", source)
            return
        self.result.applied += 1
        self._outcome(event.event_id, event.type, "applied", source)
        self._release(made_available)

    def _park(self, parked: ParkedEvent, event_type: str) -> None:
        self.records.parked[parked.event_id] = parked
        self.result.parked += 1
        self._outcome(parked.event_id, event_type, "parked", parked.source)

    def _release(self, keys: list[str]) -> None:
        for key in keys:
            waiting = [p for p in self.records.parked.values() if p.waiting_for == key]
            waiting += [p for p in self.recorder.parked_waiting_for(key)
                        if p.event_id not in self.records.released and p.event_id not in self.records.parked]
            for parked in sorted(waiting, key=lambda p: p.order):
                if self.records.parked.pop(parked.event_id, None) is None:
                    self.records.released.add(parked.event_id)
                self.result.parked -= 1
                event = parse_event(parked.raw)
                assert not isinstance(event, Invalid), "only valid events are parked"
                self._apply(event, parked.raw, parked.source)

    def _outcome(self, event_id: str, event_type: str, outcome: str, source: Source | None) -> None:
        if event_id in self.records.released:
            self.records.inbox_updates[event_id] = outcome
        else:
            self.records.inbox[event_id] = InboxRecord(event_id, event_type, outcome, source)
