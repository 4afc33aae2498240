"""Calendar arithmetic of the pages: a milestone period's last day, and a statement's window of whole days (UTC)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from ledger.errors import LedgerError

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
FIRST, LAST = date(1970, 1, 1), date(2199, 12, 30)  # the ledger's time range, a day short so `to` + 1 fits


class DateWindowError(LedgerError):
    """A statement filter that is not a date, or a window that ends before it starts."""


def period_end(period: str) -> date | None:
    """The last day of a milestone period: `2026-03` → 2026-03-31, `2026-Q1` → 2026-03-31; None for lifetime."""
    if (month := _MONTH.fullmatch(period)) is not None:
        year, first_month = int(month[1]), int(month[2])
        months = 1
    elif (quarter := _QUARTER.fullmatch(period)) is not None:
        year, first_month = int(quarter[1]), 3 * int(quarter[2]) - 2
        months = 3
    else:
        return None
    after = first_month + months  # the first month of the next period, 13 for January of the next year
    return date(year + (after > 12), (after - 1) % 12 + 1, 1) - timedelta(days=1)


def _day(text: str, default: date) -> date:
    if not text.strip():
        return default
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise DateWindowError(f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31") from exc
    if not FIRST <= day <= LAST:
        raise DateWindowError(f"dates run from {FIRST} to {LAST}")
    return day


def window(start: str, end: str, today: date | None = None) -> tuple[date, date, tuple[datetime, datetime]]:
    """The days `start` to `end` inclusive (default: this month so far) and the instants [start, end + 1 day)."""
    today = today or datetime.now(UTC).date()
    last = _day(end, today)
    first = _day(start, last.replace(day=1))
    if last < first:
        raise DateWindowError(f"`to` ({last}) is before `from` ({first}): swap them")
    return first, last, (datetime.combine(first, time(), UTC), datetime.combine(last + timedelta(days=1), time(), UTC))
