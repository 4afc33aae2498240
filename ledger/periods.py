"""Milestone periods in UTC, by the sale's event time."""

from __future__ import annotations

from datetime import UTC, datetime


def period_key(period: str, when: datetime) -> str:
    """`lifetime`, `2026-03` (month) or `2026-Q1` (quarter)."""
    utc = when.astimezone(UTC)
    if period == "month":
        return f"{utc.year:04d}-{utc.month:02d}"
    if period == "quarter":
        return f"{utc.year:04d}-Q{(utc.month - 1) // 3 + 1}"
    return "lifetime"


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time `months` later, clamped to the month's last day."""
    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    for day in (when.day, 30, 29, 28):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {when}")
