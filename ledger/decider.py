"""Decides one batch: applies, parks, releases and refuses events, collecting what to record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ledger.batch import BatchResult, DeadLetter, Inbound, Source
from ledger.errors import OverPayoutError, PrerequisiteMissingError, RejectedError
from ledger.handlers import Handlers
from ledger.idempotency import body_digest, is_repeat, reuse_detail
from ledger.parked_ahead import ParkedAhead
from ledger.parking import ParkedEvent, funds_key, is_funds_key
from ledger.payout_queue import PayoutQueue, Unfunded
from ledger.persistence import FirstSeen, InboxRecord, LedgerRecorder
from ledger.unit_of_work import UnitOfWork
from schemas.events import ChargeDeclined, InputEvent, PayoutSent
from schemas.parsing import Invalid, parse_event
from schemas.reasons import Reason


@dataclass
class BatchRecords:
    """Rows a batch writes beside its events, in the same transaction."""

    inbox: dict[str, InboxRecord] = field(default_factory=dict)
    inbox_updates: dict[str, str] = field(default_factory=dict)
    parked: dict[str, ParkedEvent] = field(default_factory=dict)
    released: set[str] = field(default_factory=set)
    kept: set[str] = field(default_factory=set)  # parked events looked at and left waiting, unchanged


class BatchDecider:
    """Walks a batch in order; an event whose prerequisite is missing waits instead of failing."""

    def __init__(self, uow: UnitOfWork, seen: dict[str, FirstSeen], recorder: LedgerRecorder,
                 unfunded: dict[str, Unfunded] | None = None) -> None:
        self.handlers = Handlers(uow, recorder.sales_since)
        self.seen = seen  # recorded before, and decided in this batch: each id's first body and source
        self.recorder = recorder
        self.queue = PayoutQueue(recorder, unfunded if unfunded is not None else {}, self.handlers.partner)
        self.result = BatchResult()
        self.records = BatchRecords()
        self.available: set[str] = set()
        self.made_available: set[str] = set()
        self._waiting: dict[str, dict[str, ParkedEvent]] = {}  # parked in this batch, by what they wait for
        self._ahead = ParkedAhead()  # parked in earlier batches, read ahead by prefetch()

    def prefetch(self, events: list[InputEvent | Invalid]) -> None:
        """Read what the batch's events will need in a few queries, not one each.

        That includes events parked in earlier batches that this batch's arrivals can release,
        and those they release in turn (a join frees a sale, which frees its refunds): released,
        they apply at once, before the batch's later messages, wherever the batches fall.
        """
        self.handlers.prefetch(events)
        self._ahead.load(self.recorder, events)
        self.queue.load(funds_key(e.partner_id, e.amount.currency) for e in events if isinstance(e, PayoutSent))

    def decide(self, item: Inbound) -> None:
        """Decide one received message."""
        event = item.event
        if isinstance(event, Invalid):
            self.result.dead_letters.append(DeadLetter(event.reason, event.detail, item.raw, item.source, event.event_id))
            return
        body = body_digest(item.raw, event)
        if (first := self.seen.get(event.event_id)) is not None:
            if is_repeat(first, body):
                self.result.duplicates += 1
            else:
                self.result.dead_letters.append(DeadLetter(
                    Reason.EVENT_ID_REUSED, reuse_detail(event.event_id, first), item.raw, item.source, event.event_id))
            return
        self.seen[event.event_id] = FirstSeen(body, item.source)
        self._apply(event, item.raw, item.source)

    def _apply(self, event: InputEvent, raw: bytes, source: Source | None, expiring: str | None = None) -> None:
        """Apply, or park if a prerequisite is missing; when `expiring`, refuse with that instead."""
        self._decide_one(event, raw, source, expiring)
        if isinstance(event, PayoutSent) and event.event_id not in self.records.parked:
            # Applied or refused, it no longer holds back the partner's later payouts.
            if self.queue.waiting(key := funds_key(event.partner_id, event.amount.currency)):
                self._release([key])

    def _decide_one(self, event: InputEvent, raw: bytes, source: Source | None, expiring: str | None) -> None:
        checkpoint = self.handlers.uow.checkpoint()
        try:
            if isinstance(event, PayoutSent):
                self.queue.check(event)
            made_available = self.handlers.handle(event)
        except PrerequisiteMissingError as missing:
            self.handlers.uow.rollback(checkpoint)
            if expiring is not None:
                self._refuse(DeadLetter(missing.reason, f"{missing.detail}; {expiring}", raw, source, event.event_id),
                             event.type)
                return
            need = Unfunded.of(missing) if isinstance(missing, OverPayoutError) else None
            self._park(ParkedEvent(event.event_id, event.type, missing.waiting_for, event.occurred_at, raw, source,
                                   missing.reason, missing.detail), need)
            return
        except RejectedError as error:
            self.handlers.uow.rollback(checkpoint)
            self._refuse(DeadLetter(error.reason, error.detail, raw, source, event.event_id), event.type)
            return
        self.result.applied += 1
        self._outcome(event.event_id, event.type, "applied", source)
        self._release(made_available)

    def expire(self, watermark: datetime, grace: timedelta, min_wait: timedelta) -> None:
        """Refuse parked events older than the grace period of event time, with their own reason.

        An event must also have waited `min_wait` of wall-clock time, so that loading weeks of
        history at once does not refuse an event whose prerequisite is only a few messages behind.
        """
        cutoff = watermark - grace
        in_batch = [p for p in self.records.parked.values() if p.occurred_at < cutoff] if not min_wait else []
        stored = self._unclaimed(self.recorder.parked_before(cutoff, datetime.now(UTC) - min_wait))
        for parked in sorted([*in_batch, *stored], key=lambda p: p.order):
            if parked in in_batch and self.records.parked.get(parked.event_id) is not parked:
                continue  # the payout refused just before it let it go, and it was decided then
            if parked.type == "charge.declined":
                self._unpark(parked)
                self._record_unmatched_decline(parked)
                continue
            # Tried once more: a payout held back only by an earlier one refused just before is funded.
            self._reapply(parked, expiring=f"still waiting for {parked.waiting_for} after the {grace.days}-day "
                                           "grace period")

    def _record_unmatched_decline(self, parked: ParkedEvent) -> None:
        # A decline is recorded either way; if its sale never came, it simply reverses nothing.
        event = parse_event(parked.raw)
        if isinstance(event, Invalid):
            self._refuse_reparsed(parked, event)
            return
        assert isinstance(event, ChargeDeclined)
        try:
            self.handlers.record_decline(event, None)
        except RejectedError as error:
            self._refuse(DeadLetter(error.reason, error.detail, parked.raw, parked.source, parked.event_id),
                         parked.type)
            return
        self.result.applied += 1
        self._outcome(parked.event_id, parked.type, "applied", parked.source)

    def _refuse(self, letter: DeadLetter, event_type: str) -> None:
        """A valid event the ledger refuses: a dead letter, and the inbox says so."""
        assert letter.event_id is not None
        self.result.dead_letters.append(letter)
        self._outcome(letter.event_id, event_type, "rejected", letter.source)

    def _park(self, parked: ParkedEvent, need: Unfunded | None = None) -> None:
        if is_funds_key(parked.waiting_for):
            self.queue.parked(parked.waiting_for, parked.order, need)
        self.records.parked[parked.event_id] = parked
        self._waiting.setdefault(parked.waiting_for, {})[parked.event_id] = parked
        self.result.parked += 1
        self._outcome(parked.event_id, parked.type, "parked", parked.source)

    def _unpark(self, parked: ParkedEvent) -> None:
        if self.records.parked.pop(parked.event_id, None) is None:
            self.records.released.add(parked.event_id)
        self.records.kept.discard(parked.event_id)
        self._waiting.get(parked.waiting_for, {}).pop(parked.event_id, None)
        if is_funds_key(parked.waiting_for):
            self.queue.left(parked.waiting_for, parked.order)
        self.result.parked -= 1

    def _unclaimed(self, stored: list[ParkedEvent]) -> list[ParkedEvent]:
        # Parked rows this batch already released or parked again are not the database's to give.
        return [p for p in stored if p.event_id not in self.records.released and p.event_id not in self.records.parked]

    def make_available(self, keys: list[str]) -> None:
        """Something outside an input event (a maturation) made these keys available."""
        self._release(keys)

    def _release(self, keys: list[str]) -> None:
        # Events parked earlier in this batch are released at once; those parked in earlier
        # batches are looked up in bulk by release_stored(), one query per round.
        self.available.update(keys)
        self.made_available.update(keys)
        waiting = [p for key in keys for p in self._waiting.get(key, {}).values() if not self._still_unfunded(p)]
        stored = self._unclaimed(self._ahead.take(keys))
        from_store = {p.event_id for p in stored}
        for parked in sorted([*waiting, *stored], key=lambda p: p.order):
            # Not if a nested release decided it already.
            if (parked.event_id not in self.records.released if parked.event_id in from_store
                    else self.records.parked.get(parked.event_id) is parked):
                self._reapply(parked)

    def release_stored(self) -> None:
        """Apply events parked in earlier batches whose prerequisite this batch recorded."""
        while self.available:
            keys, self.available = sorted(self.available), set()
            self.queue.load(key for key in keys if is_funds_key(key))
            keys = [key for key in keys if not self._stuck(key)]
            stored = sorted((p for p in self._unclaimed(self.recorder.parked_waiting_for(keys))
                             if not self._still_unfunded(p)), key=lambda p: p.order)
            events = [parse_event(parked.raw) for parked in stored]
            self.handlers.prefetch(events)
            for parked, event in zip(stored, events, strict=True):
                self._reapply(parked, event)

    def _stuck(self, key: str) -> bool:
        """A funds key none of whose payouts can apply yet: its parked rows are not read, only kept."""
        stuck = self.queue.stuck(key) if is_funds_key(key) else []
        self.records.kept.update(event_id for _, event_id in stuck)
        return bool(stuck)

    def _still_unfunded(self, parked: ParkedEvent) -> bool:
        """A parked payout that trying would park again: a partner near the top of the tree is
        credited in nearly every batch, and a backlog can hold a thousand of their payouts."""
        if not is_funds_key(parked.waiting_for) or not self.queue.still_unfunded(parked.waiting_for, parked.order):
            return False
        self.records.kept.add(parked.event_id)
        return True

    def _reapply(self, parked: ParkedEvent, event: InputEvent | Invalid | None = None,
                 expiring: str | None = None) -> None:
        self._unpark(parked)
        event = event or self._ahead.parsed(parked.event_id) or parse_event(parked.raw)
        if isinstance(event, Invalid):
            self._refuse_reparsed(parked, event)
            return
        self._apply(event, parked.raw, parked.source, expiring)

    def _refuse_reparsed(self, parked: ParkedEvent, event: Invalid) -> None:
        # Parked by an earlier version whose input contract was looser: refused now, for today's reason.
        self._refuse(DeadLetter(event.reason, event.detail, parked.raw, parked.source, parked.event_id), parked.type)

    def _outcome(self, event_id: str, event_type: str, outcome: str, source: Source | None) -> None:
        if event_id in self.records.released:
            self.records.inbox_updates[event_id] = outcome
        else:  # an event of this batch: its body is what decide() kept
            first = self.seen.get(event_id)
            self.records.inbox[event_id] = InboxRecord(event_id, event_type, outcome, source,
                                                       first.body if first else None)
