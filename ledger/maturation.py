"""When commission held as pending becomes available."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Maturity:
    """A pending commission line and the moment it matures."""

    sale_id: str
    attempt: int
    level: int
    partner_id: str
    due_at: datetime
    revision: int = 0

    @property
    def key(self) -> str:
        """Unique per line, attempt and correction; maturing it twice is detected, not applied."""
        return f"{self.sale_id}:{self.attempt}.{self.revision}:{self.level}"


def due_at(occurred_at: datetime, hold_days: int) -> datetime:
    """`occurred_at + hold_days`: pending until then, available after."""
    return occurred_at + timedelta(days=hold_days)
