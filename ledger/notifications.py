"""'Commission earned' messages, recorded with the batch and published once per commission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Notification:
    """One earned commission line, for the partner-facing `commission-notifications` topic."""

    partner_id: str
    sale_id: str
    level: int
    amount: int
    currency: str
    occurred_at: datetime
    event_id: str
    attempt: int = 1
    revision: int = 0

    @property
    def key(self) -> str:
        """Unique per commission line: a redelivered sale never notifies twice (a correction does)."""
        suffix = f".{self.revision}" if self.revision else ""
        return f"{self.sale_id}:{self.attempt}{suffix}:{self.level}:{self.partner_id}"

    def payload(self) -> dict[str, Any]:
        """The message value (money as the input contract has it)."""
        return {
            "notification_id": self.key,
            "type": "commission.earned",
            "partner_id": self.partner_id,
            "sale_id": self.sale_id,
            "level": self.level,
            "amount": {"amount": self.amount, "currency": self.currency},
            "occurred_at": self.occurred_at.isoformat(),
            "event_id": self.event_id,
            "attempt": self.attempt,
            "revision": self.revision,
        }
