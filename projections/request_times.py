"""Times given to the API: read as UTC without an offset, refused outside the ledger's range."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import HTTPException

from schemas.bounds import TIME_RANGE, in_year_range


def utc(when: datetime) -> datetime:
    """`when` with UTC for a missing offset, as the CLI reads it; outside the ledger's range nothing is recorded,
    so such a time is refused (422)."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if not in_year_range(when):
        raise HTTPException(422, f"times must be {TIME_RANGE}")
    return when
