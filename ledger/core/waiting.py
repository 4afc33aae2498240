"""Events waiting for a prerequisite, held by the writer and released in event-time order."""

from __future__ import annotations

import heapq
from typing import Any

from ledger.core.decision import Need


class Waiter:
    """One parked input event: the event itself, its bytes and where it came from, and what it waits for."""

    __slots__ = ("event", "raw", "source", "digest", "waiting_for", "reason", "detail", "need", "at_us",
                 "parked_wall_us", "order", "version")

    def __init__(self, event: Any, raw: bytes, source: Any, digest: bytes, at_us: int, parked_wall_us: int) -> None:
        self.event = event
        self.raw = raw
        self.source = source
        self.digest = digest
        self.at_us = at_us
        self.parked_wall_us = parked_wall_us
        self.order = (at_us, event.event_id)
        self.waiting_for = ""
        self.reason: Any = None
        self.detail = ""
        self.need: Need | None = None
        self.version = 0  # of its last log entry: 1 once its first decision is written


class Waiting:
    """Parked events by what they wait for, and by event time for the grace period."""

    __slots__ = ("by_key", "by_id", "_by_time", "_past_grace", "_first", "_joins")

    def __init__(self) -> None:
        self.by_key: dict[str, dict[str, Waiter]] = {}
        self.by_id: dict[str, Waiter] = {}
        self._by_time: list[tuple[int, str]] = []  # a heap; entries of released events are skipped
        # Events already past the grace in event time, by when they were parked: each moves here once,
        # instead of being looked at again every batch until it has waited long enough in wall-clock time.
        self._past_grace: list[tuple[int, int, str]] = []
        # The earliest waiter per key, once asked for: a partner credited in nearly every batch may have
        # thousands of payouts waiting for funds, and each credit asks which one is first.
        self._first: dict[str, Waiter] = {}
        # Parked joins by the partner they would admit: their recruiters, by event id (a cycle among
        # parked joins is found by walking these, since none of them is in the state).
        self._joins: dict[str, dict[str, str]] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def park(self, waiter: Waiter) -> None:
        """Hold the event under what it waits for."""
        key = waiter.waiting_for
        self.by_key.setdefault(key, {})[waiter.event.event_id] = waiter
        self.by_id[waiter.event.event_id] = waiter
        heapq.heappush(self._by_time, waiter.order)
        first = self._first.get(key)
        if first is not None and waiter.order < first.order:
            self._first[key] = waiter
        recruitment = _recruitment(waiter.event)
        if recruitment is not None:
            self._joins.setdefault(recruitment[0], {})[waiter.event.event_id] = recruitment[1]

    def unpark(self, waiter: Waiter) -> None:
        """The event is decided (or parked afresh): it no longer waits where it did."""
        event_id = waiter.event.event_id
        del self.by_id[event_id]
        under = self.by_key[waiter.waiting_for]
        del under[event_id]
        if not under:
            del self.by_key[waiter.waiting_for]
        if self._first.get(waiter.waiting_for) is waiter:
            del self._first[waiter.waiting_for]
        recruitment = _recruitment(waiter.event)
        if recruitment is not None:
            joins = self._joins.get(recruitment[0], {})
            joins.pop(event_id, None)
            if not joins:
                self._joins.pop(recruitment[0], None)

    def parked_recruiter_of(self, partner_id: str) -> str | None:
        """The recruiter named by a parked join of `partner_id` (the earliest-parked, if several), or None."""
        joins = self._joins.get(partner_id)
        return next(iter(joins.values())) if joins else None

    def under(self, key: str) -> list[Waiter]:
        """Events waiting for `key`, in event-time order."""
        return sorted(self.by_key.get(key, {}).values(), key=lambda w: w.order)

    def first_under(self, key: str) -> Waiter | None:
        """The earliest event waiting for `key`."""
        first = self._first.get(key)
        if first is None:
            waiters = self.by_key.get(key)
            if not waiters:
                return None
            first = self._first[key] = min(waiters.values(), key=lambda w: w.order)
        return first

    def due(self, cutoff_us: int, parked_before_wall_us: int) -> list[Waiter]:
        """Parked events dated before `cutoff_us` that were parked before `parked_before_wall_us`."""
        while self._by_time and self._by_time[0][0] < cutoff_us:
            at_us, event_id = heapq.heappop(self._by_time)
            waiter = self._current(at_us, event_id)
            if waiter is not None:
                heapq.heappush(self._past_grace, (waiter.parked_wall_us, at_us, event_id))
        found: dict[str, Waiter] = {}
        while self._past_grace and self._past_grace[0][0] <= parked_before_wall_us:
            _, at_us, event_id = heapq.heappop(self._past_grace)
            waiter = self._current(at_us, event_id)
            if waiter is None:
                continue
            if at_us < cutoff_us:
                found[event_id] = waiter
            else:  # the clock went back (a partition started lagging again): not due after all
                heapq.heappush(self._by_time, waiter.order)
        return sorted(found.values(), key=lambda w: w.order)

    def _current(self, at_us: int, event_id: str) -> Waiter | None:
        """The parked event a heap entry names, unless it was released (or parked again) since."""
        waiter = self.by_id.get(event_id)
        return waiter if waiter is not None and waiter.order == (at_us, event_id) else None


def _recruitment(event: Any) -> tuple[str, str] | None:
    """(partner, recruiter) of a join that names a recruiter; else None."""
    plain = getattr(event, "plain", None)  # a parked event read back from the store, before its rejoin
    fields = plain if isinstance(plain, dict) else {"type": getattr(event, "type", None),
                                                    "partner_id": getattr(event, "partner_id", None),
                                                    "recruited_by": getattr(event, "recruited_by", None)}
    partner, recruiter = fields.get("partner_id"), fields.get("recruited_by")
    if fields.get("type") != "partner.joined" or not partner or not recruiter:
        return None
    return partner, recruiter
