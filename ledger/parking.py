"""Events waiting for a prerequisite (a partner, sale or program that has not arrived yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.batch import Source
from schemas.reasons import Reason


def funds_key(partner_id: str) -> str:
    """What a payout waiting for money waits for: any credit to its partner."""
    return f"funds:{partner_id}"


def funds_partner(key: str) -> str | None:
    """The partner a `funds:` key names, or None for another kind of key."""
    return key.removeprefix("funds:") if key.startswith("funds:") else None


@dataclass(frozen=True)
class ParkedEvent:
    """An input event kept durably until `waiting_for` (e.g. `sale:S-1`) is recorded."""

    event_id: str
    type: str
    waiting_for: str
    occurred_at: datetime
    raw: bytes
    source: Source | None
    reason: Reason
    detail: str

    @property
    def order(self) -> tuple[datetime, str]:
        """Released events are applied in the order of their event time."""
        return (self.occurred_at, self.event_id)
