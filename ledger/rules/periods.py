"""Milestone periods and month arithmetic in UTC, on event times in microseconds since the epoch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DAY_US = 86_400_000_000


def micros(when: datetime) -> int:
    """Exact microseconds since the epoch (timedelta division is integer arithmetic)."""
    return (when - EPOCH) // MICROSECOND


def instant(at_us: int) -> datetime:
    """The UTC datetime of a time in microseconds since the epoch."""
    return EPOCH + at_us * MICROSECOND


def period_key(period: str, at_us: int) -> str:
    """`lifetime`, `2026-03` (month) or `2026-Q1` (quarter) of an event time."""
    if period == "lifetime":
        return "lifetime"
    return _period_of_day(period, at_us // DAY_US)


@lru_cache(maxsize=8192)
def _period_of_day(period: str, day: int) -> str:
    # Periods start at UTC midnight, so a day's period is the period of any moment in it.
    utc = instant(day * DAY_US)
    if period == "month":
        return f"{utc.year:04d}-{utc.month:02d}"
    return f"{utc.year:04d}-Q{(utc.month - 1) // 3 + 1}"


def add_months(at_us: int, months: int) -> int:
    """The same day and time `months` later, clamped to the month's last day."""
    when = instant(at_us)
    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    for day in (when.day, 30, 29, 28):
        try:
            return micros(when.replace(year=year, month=month, day=day))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {when}")
