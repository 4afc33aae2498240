"""Events waiting for a prerequisite (a partner, sale or program that has not arrived yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.batch import Source


@dataclass(frozen=True)
class ParkedEvent:
    """An input event kept durably until `waiting_for` (e.g. `sale:S-1`) is recorded."""

    event_id: str
    waiting_for: str
    occurred_at: datetime
    raw: bytes
    source: Source | None

    @property
    def order(self) -> tuple[datetime, str]:
        """Released events are applied in the order of their event time."""
        return (self.occurred_at, self.event_id)


@dataclass
class ParkingChanges:
    """What a batch does to the parking lot: events parked, and parked events released."""

    parked: dict[str, ParkedEvent]
    released: set[str]
