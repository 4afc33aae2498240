"""Lists of partners, commission lines and payouts, filtered and paged by keyset (for the API's list endpoints)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from ledger.errors import LedgerError
from projections.tracking import SCHEMA


class CursorError(LedgerError):
    """A page cursor that this listing did not hand out."""


@dataclass(frozen=True)
class Listing:
    """What one list endpoint reads: its columns, the rows it starts from, and the unique order it pages in."""

    source: str
    columns: tuple[str, ...]
    order: tuple[str, ...]
    where: str = "true"


PARTNERS = Listing("partners", ("partner_id", "name", "program_id", "program_since", "recruited_by", "joined_at"),
                   ("partner_id",))
COMMISSIONS = Listing("commission_lines",
                      ("sale_id", "partner_id", "level", "currency", "earned", "reversed", "earned - reversed AS net",
                       "first_occurred_at"),
                      ("first_occurred_at", "sale_id", "partner_id", "level", "currency"))
PAYOUTS = Listing("statement_lines",
                  ("detail AS payout_id", "partner_id", "amount", "currency", "occurred_at", "recorded_at", "position",
                   "line"),
                  ("occurred_at", "position", "line"), "kind = 'payout'")

BAD_CURSOR = "the cursor is not one this list handed out: pass `next_cursor` as the last page gave it"
# A filter: an SQL condition with one %s, and its value (filters whose value is None are left out).
Filter = tuple[str, Any]


def names(listing: Listing) -> list[str]:
    """The column names as rows carry them (the header of a CSV)."""
    return [column.rsplit(" AS ", 1)[-1] for column in listing.columns]


def _sql(listing: Listing, filters: Sequence[Filter], after: tuple[Any, ...] | None) -> tuple[str, list[Any]]:
    conditions, values = [listing.where], []
    for condition, value in filters:
        if value is not None:
            conditions.append(condition)
            values.append(value)
    if after is not None:
        conditions.append(f"({', '.join(listing.order)}) > ({', '.join(['%s'] * len(after))})")
        values.extend(after)
    query = (f"SELECT {', '.join(listing.columns)} FROM {SCHEMA}.{listing.source} "
             f"WHERE {' AND '.join(conditions)} ORDER BY {', '.join(listing.order)}")
    return query, values


def page(conn: psycopg.Connection[Any], listing: Listing, filters: Sequence[Filter], cursor: str | None,
         limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit` rows after the cursor, and the cursor of the next page (None on the last)."""
    query, values = _sql(listing, filters, decode(cursor, listing) if cursor else None)
    try:
        rows = conn.execute(f"{query} LIMIT %s", [*values, limit + 1]).fetchall()
    except psycopg.errors.DataError as exc:  # a forged cursor whose key does not fit the columns' types
        raise CursorError(BAD_CURSOR) from exc
    items = [dict(zip(names(listing), row, strict=True)) for row in rows[:limit]]
    return items, encode(items[-1], listing) if len(rows) > limit else None


def every(conn: psycopg.Connection[Any], listing: Listing, filters: Sequence[Filter]) -> Iterator[tuple[Any, ...]]:
    """Every matching row, in order, streamed."""
    query, values = _sql(listing, filters, None)
    with conn.cursor() as cursor:
        yield from cursor.stream(query, values)


def encode(row: dict[str, Any], listing: Listing) -> str:
    """An opaque cursor: the row's sort key."""
    key = [row[column].isoformat() if isinstance(row[column], datetime) else row[column] for column in listing.order]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode(cursor: str, listing: Listing) -> tuple[Any, ...]:
    """The sort key a cursor holds, checked to fit this listing's order."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as exc:
        raise CursorError(BAD_CURSOR) from exc
    if not isinstance(key, list) or len(key) != len(listing.order) or not all(
            isinstance(value, str | int) for value in key):
        raise CursorError(BAD_CURSOR)
    return tuple(key)
