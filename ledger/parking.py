"""Events waiting for a prerequisite (a partner, sale or program that has not arrived yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.batch import Source
from schemas.reasons import Reason

FUNDS = "available:"


def funds_key(partner_id: str, currency: str) -> str:
    """What a payout waiting for money waits for: a credit to its partner's available balance in its currency."""
    return f"{FUNDS}{currency}:{partner_id}"


def is_funds_key(key: str) -> bool:
    """Whether a parked event waits for money (a payout), not for an event to arrive."""
    return key.startswith(FUNDS)


def arrival_key(event: object) -> str | None:
    """What an event's arrival can release: the key that events waiting for it are parked under."""
    kind = getattr(event, "type", None)
    if kind == "program.configured":
        return f"program:{event.program_id}"  # type: ignore[attr-defined]
    if kind == "partner.joined":
        return f"partner:{event.partner_id}"  # type: ignore[attr-defined]
    if kind == "sale.completed":
        return f"sale:{event.sale_id}"  # type: ignore[attr-defined]
    if kind == "charge.declined" and event.sale_id:  # type: ignore[attr-defined]
        return f"declined:{event.sale_id}"  # type: ignore[attr-defined]
    return None


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
