"""Events waiting for a prerequisite (a partner, sale or program that has not arrived yet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.batch import Source
from schemas.events import ChargeDeclined, InputEvent, PartnerJoined, SaleCompleted
from schemas.parsing import Invalid
from schemas.program import ProgramConfigured
from schemas.reasons import Reason

FUNDS = "available:"


def funds_key(partner_id: str, currency: str) -> str:
    """What a payout waiting for money waits for: a credit to its partner's available balance in its currency."""
    return f"{FUNDS}{currency}:{partner_id}"


def is_funds_key(key: str) -> bool:
    """Whether a parked event waits for money (a payout), not for an event to arrive."""
    return key.startswith(FUNDS)


def program_key(program_id: str) -> str:
    """What an event waiting for a program (or a term version of it) waits for."""
    return f"program:{program_id}"


def partner_key(partner_id: str) -> str:
    """What an event waiting for a partner to join waits for."""
    return f"partner:{partner_id}"


def sale_key(sale_id: str) -> str:
    """What a refund or decline waiting for its sale waits for."""
    return f"sale:{sale_id}"


def declined_key(sale_id: str) -> str:
    """What a retried sale waiting for the decline of its first charge waits for."""
    return f"declined:{sale_id}"


def arrival_key(event: InputEvent | Invalid) -> str | None:
    """What an event's arrival can release: the key that events waiting for it are parked under."""
    if isinstance(event, ProgramConfigured):
        return program_key(event.program_id)
    if isinstance(event, PartnerJoined):
        return partner_key(event.partner_id)
    if isinstance(event, SaleCompleted):
        return sale_key(event.sale_id)
    if isinstance(event, ChargeDeclined) and event.sale_id:
        return declined_key(event.sale_id)
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
