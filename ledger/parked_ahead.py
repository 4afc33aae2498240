"""Parked events read ahead of a batch: those its arrivals can release, and those they release in turn."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.parking import ParkedEvent, arrival_key
from ledger.persistence import LedgerRecorder
from schemas.events import InputEvent
from schemas.parsing import Invalid, parse_event

# program → partner → sale → refund is the longest chain of releases.
ROUNDS = 4


class ParkedAhead:
    """Released events apply at once, before the batch's later messages, wherever batches fall;
    reading them ahead keeps that to one query per link of a chain, not one per event."""

    def __init__(self) -> None:
        self._waiting: dict[str, list[ParkedEvent]] = {}
        self._parsed: dict[str, InputEvent | Invalid] = {}

    def load(self, recorder: LedgerRecorder, events: Iterable[InputEvent | Invalid]) -> None:
        """Read what these events' arrival can release, then what that releases, and so on."""
        keys = {key for e in events if (key := arrival_key(e)) is not None}
        looked_up: set[str] = set()
        for _ in range(ROUNDS):
            if not keys:
                return
            looked_up |= keys
            found = recorder.parked_waiting_for(sorted(keys))
            keys = set()
            for parked in found:
                self._waiting.setdefault(parked.waiting_for, []).append(parked)
                event = self._parsed[parked.event_id] = parse_event(parked.raw)
                if (key := arrival_key(event)) is not None and key not in looked_up:
                    keys.add(key)

    def take(self, keys: Iterable[str]) -> list[ParkedEvent]:
        """The events read ahead that wait for these keys (each handed out once)."""
        return [parked for key in keys for parked in self._waiting.pop(key, [])]

    def parsed(self, event_id: str) -> InputEvent | Invalid | None:
        """The event of a parked row read ahead, parsed once."""
        return self._parsed.get(event_id)
