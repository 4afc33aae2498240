"""The fold of a batch: each message applied, parked, released or refused, in order, over the writer's state.

Decisions apply to the state as they are made, so a later message of the batch sees an earlier
one. The shell writes the batch's entries in one transaction; if that fails, it throws the state
away and loads it again from what was written.
"""

from __future__ import annotations

from typing import Any

from ledger.core.decide import DECIDERS, decide
from ledger.core.decision import Applied, Decision, Need, Parked, Refused
from ledger.core.evolve import evolve
from ledger.core.keys import funds_key, is_funds_key
from ledger.core.maturing import due_maturities
from ledger.core.messages import DeadLetter, Entry, FirstSeen, Received
from ledger.core.selling import decline_charge
from ledger.core.state import State
from ledger.core.waiting import Waiter, Waiting
from ledger.rules import guards
from ledger.rules.periods import DAY_US, micros
from schemas.reasons import Reason


class Fold:
    """Decides one batch over the writer's state and parked events; collects what the shell writes."""

    def __init__(self, state: State, waiting: Waiting, seen: dict[str, FirstSeen], now_wall_us: int) -> None:
        self.state, self.waiting, self.seen, self.now_wall_us = state, waiting, seen, now_wall_us
        self.entries: list[Entry] = []
        self.dead_letters: list[DeadLetter] = []
        self.duplicates = self.applied = 0

    def receive(self, item: Received) -> None:
        """Decide one received message."""
        event = item.event
        if not hasattr(event, "event_id") or not hasattr(event, "type"):  # invalid: refused at the door
            self.dead_letters.append(DeadLetter(event.reason, event.detail, item.raw, item.source,
                                                getattr(event, "event_id", None)))
            return
        first = self.seen.get(event.event_id)
        if first is not None:
            if first.digest is None or item.digest is None or first.digest == item.digest:
                self.duplicates += 1
            else:
                self.dead_letters.append(DeadLetter(Reason.EVENT_ID_REUSED, reuse_detail(event.event_id, first.source),
                                                    item.raw, item.source, event.event_id))
            return
        self.seen[event.event_id] = FirstSeen(item.digest, item.source)
        at_us = micros(event.occurred_at)
        decision = None
        if event.type != "payout.sent":  # a payout may be held back by an earlier one: decided with its waiter
            decision = DECIDERS[event.type](self.state, event, at_us)
            if type(decision) is Applied:  # most events: no waiter is made for one that does not wait
                self._apply(decision, Entry(event.event_id, 1, event.type, "applied", at_us, decision, item.source,
                                            item.digest or b"", event, item.raw))
                return
        self._decide(Waiter(event, item.raw, item.source, item.digest or b"", at_us, self.now_wall_us),
                     decision=decision)

    def _decide(self, waiter: Waiter, expiring: str | None = None, decision: Decision | None = None) -> None:
        if decision is None:
            decision = self._held_back(waiter) or decide(self.state, waiter.event, waiter.at_us)
        if isinstance(decision, Parked) and decision.reason is Reason.UNKNOWN_PARTNER:
            decision = self._cycle(waiter.event) or decision
        if isinstance(decision, Parked) and expiring is not None:
            decision = Refused(decision.reason, f"{decision.detail}; {expiring}")
        if isinstance(decision, Parked):
            logged = waiter.version > 0 and waiter.waiting_for == decision.waiting_for
            waiter.waiting_for, waiter.reason, waiter.detail, waiter.need = decision
            self.waiting.park(waiter)
            if not logged:  # parked again under the same key: the log already says so
                self.entries.append(self._entry(waiter, "parked", decision))
            return
        self._settle(waiter, decision)

    def _settle(self, waiter: Waiter, decision: Applied | Refused) -> None:
        event = waiter.event
        if isinstance(decision, Applied):
            self._apply(decision, self._entry(waiter, "applied", decision))
        else:
            self.entries.append(self._entry(waiter, "refused", decision))
            self.dead_letters.append(DeadLetter(decision.reason, decision.detail, waiter.raw, waiter.source,
                                                event.event_id))
        if event.type == "payout.sent":  # decided: it no longer holds back the partner's later payouts
            self.release([funds_key(event.partner_id, event.amount.currency)])

    def _apply(self, decision: Applied, entry: Entry) -> None:
        evolve(self.state, decision.changes, decision.postings)
        self.applied += 1
        self.entries.append(entry)
        if self.waiting.by_key:  # else nothing waits, the common case
            self.release(decision.released)

    def _held_back(self, waiter: Waiter) -> Decision | None:
        """A partner's payouts in one currency apply in date order: an earlier one waiting holds this one."""
        event = waiter.event
        if event.type != "payout.sent":
            return None
        ahead = self.waiting.first_under(key := funds_key(event.partner_id, event.amount.currency))
        if ahead is None or ahead.order >= waiter.order:
            return None
        return Parked(key, Reason.OVER_PAYOUT, f"payout {event.payout_id} waits behind the partner's earlier "
                                               f"payout {ahead.event.event_id}, still waiting for funds",
                      Need(event.partner_id, event.amount.currency, event.amount.amount, waiter.at_us))

    def _cycle(self, event: Any) -> Refused | None:
        """A join waiting for a recruiter whose own join waits (in turn) for this partner closes a cycle.

        The join that closes it is refused; the others keep waiting for a recruiter who may yet join.
        """
        if event.type != "partner.joined":
            return None
        refusal = guards.recruitment_refusal(event.partner_id, event.recruited_by, self._recruiter_of)
        return Refused(*refusal) if refusal is not None else None

    def _recruiter_of(self, partner_id: str) -> str | None:
        # A joined partner's recruiters all joined before it, so none is the partner waiting to join: stop there.
        return None if partner_id in self.state.partners else self.waiting.parked_recruiter_of(partner_id)

    def _entry(self, waiter: Waiter, status: str, decision: Decision) -> Entry:
        event = waiter.event
        waiter.version += 1
        return Entry(event.event_id, waiter.version, event.type, status, waiter.at_us, decision, waiter.source,
                     waiter.digest, event, waiter.raw)

    def release(self, keys: list[str]) -> None:
        """Decide again the events waiting for what was just recorded, earliest first."""
        by_key = self.waiting.by_key
        if not by_key:  # nothing waits: the common case
            return
        unique = [key for key in keys if key in by_key]  # most releases free nothing
        if not unique:
            return
        unique = list(dict.fromkeys(unique))
        waiters = sorted((w for key in unique if not is_funds_key(key) for w in by_key[key].values()),
                         key=lambda w: w.order)
        for waiter in waiters:
            if self.waiting.by_id.get(waiter.event.event_id) is waiter:  # not decided by a nested release
                self.waiting.unpark(waiter)
                self._decide(waiter)
        for key in unique:
            if is_funds_key(key):
                self._fund(key)

    def _fund(self, key: str) -> None:
        """Try the partner's earliest waiting payout while the balance as of its date could fund it."""
        while (first := self.waiting.first_under(key)) is not None:
            need = first.need
            if need is not None:
                partner = self.state.partners.get(need.partner_id)
                if partner is not None and partner.available_as_of(need.currency, need.at_us) < need.amount:
                    return
            self.waiting.unpark(first)
            self._decide(first)
            if self.waiting.by_id.get(first.event.event_id) is first:
                return

    def expire(self, clock_us: int, grace_us: int, min_wait_us: int) -> None:
        """Refuse parked events dated more than the grace period before the clock, with their own reason.

        Each must also have waited `min_wait_us` of wall-clock time, so that loading weeks of
        history at once does not refuse an event whose prerequisite is a few messages behind.
        A parked decline whose sale never came is recorded, reversing nothing.
        """
        for waiter in self.waiting.due(clock_us - grace_us, self.now_wall_us - min_wait_us):
            if self.waiting.by_id.get(waiter.event.event_id) is not waiter:
                continue
            self.waiting.unpark(waiter)
            if waiter.event.type == "charge.declined":
                decision = decline_charge(self.state, waiter.event, waiter.at_us, sale_expected=False)
                assert not isinstance(decision, Parked)
                self._settle(waiter, decision)
                continue
            # Tried once more: a payout held back only by an earlier one refused just before is funded.
            self._decide(waiter, expiring=f"still waiting for {waiter.waiting_for} after the "
                                            f"{grace_us // DAY_US}-day grace period")

    def mature(self, now_us: int, limit: int) -> int:
        """Make pending lines due by `now_us` available; returns how many were due."""
        due = due_maturities(self.state, now_us, limit)
        for key, decision in due:
            self._apply(decision, Entry(key, 1, "commission.matured", "applied", now_us, decision, None, None, None, b""))
        return len(due)


def reuse_detail(event_id: str, first: Any) -> str:
    """What the dead letter of a reused event id says about the first event recorded under it."""
    where = f"{first.topic}[{first.partition}]@{first.offset}" if first is not None else "an earlier message"
    return (f"event_id {event_id!r} was already used by a different event (first read from {where}); "
            "a repeat must carry the same body, a new event a new event_id")
