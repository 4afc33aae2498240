"""Hold period: commission is pending until `occurred_at + hold_days`, then available."""

from __future__ import annotations


def bucket(hold_us: int) -> str:
    """Where a new commission line goes: pending while the program holds commission, else available."""
    return "pending" if hold_us > 0 else "available"


def due_us(at_us: int, hold_us: int) -> int:
    """When a pending line matures."""
    return at_us + hold_us


def maturity_ref(sale_id: str, attempt: int, revision: int, level: int) -> str:
    """Unique per line, attempt and correction: maturing it twice is detected, never applied."""
    return f"{sale_id}:{attempt}.{revision}:{level}"
