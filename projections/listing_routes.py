"""`GET /partners`, `/commissions`, `/payouts`: filtered lists, paged by an opaque cursor, or all rows as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from projections import listings
from projections.access import Principal
from projections.listings import (
    COMMISSIONS,
    PARTNERS,
    PAYOUTS,
    CursorError,
    Filter,
    Listing,
)
from projections.request_times import utc

Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page")]
Format = Literal["json", "csv"]
From = Annotated[datetime | None, Query(alias="from", description="Inclusive")]
To = Annotated[datetime | None, Query(alias="to", description="Exclusive")]


class Page(BaseModel):
    """One page of a list; pass `next_cursor` as `cursor` for the next (null: this was the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def _utc(when: datetime | None) -> datetime | None:
    return None if when is None else utc(when)


def _own(caller: Principal, partner_id: str | None) -> str | None:
    # A partner key lists only its own rows: the filter is forced to its partner, another one is refused.
    if caller.kind == "analyst":
        return partner_id
    if partner_id is not None and partner_id != caller.partner_id:
        raise HTTPException(403, "this key may only read its own partner's data")
    return caller.partner_id


def _csv(request: Request, listing: Listing, filters: Sequence[Filter]) -> Iterator[str]:
    # A connection of its own: the request's is given back before a streamed body is written.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(listings.names(listing))
    with request.app.state.pool.connection() as conn:
        for row in listings.every(conn, listing, filters):
            # Values written as the JSON pages write them, so both forms of a list agree (times: RFC 3339).
            writer.writerow([to_jsonable_python(value) for value in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _answer(request: Request, conn: Any, listing: Listing, filters: Sequence[Filter], cursor: str | None,
            limit: int, fmt: Format) -> Any:
    if fmt == "csv":
        return StreamingResponse(_csv(request, listing, filters), media_type="text/csv; charset=utf-8")
    try:
        items, next_cursor = listings.page(conn, listing, filters, cursor, limit)
    except CursorError as exc:
        raise HTTPException(422, str(exc)) from exc
    return Page(items=items, next_cursor=next_cursor)


CSV = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
             "description": "A page, or with format=csv every matching row (no paging) under a header"}}


def add_listing_routes(api: FastAPI, principal: Callable[..., Principal], connection: Callable[..., Any]) -> None:
    """The three list routes; `principal` and `connection` are the API's key and connection dependencies."""
    # Dependencies as defaults, since annotations are strings here and local aliases would not resolve.
    key, db = Depends(principal), Depends(connection)

    @api.get("/partners", response_model=Page, responses=CSV)
    def partners(request: Request, caller: Principal = key, conn: Any = db, program_id: str | None = None,
                 recruited_by: str | None = None, joined_from: datetime | None = None,
                 joined_to: datetime | None = None, limit: Limit = 100, cursor: str | None = None,
                 format: Format = "json") -> Any:  # noqa: A002 - the query parameter's name
        """Partners by id (analyst keys only), filtered by program, recruiter and when they joined [from, to)."""
        if caller.kind != "analyst":
            raise HTTPException(403, "listing partners needs an analyst key")
        filters = [("program_id = %s", program_id), ("recruited_by = %s", recruited_by),
                   ("joined_at >= %s", _utc(joined_from)), ("joined_at < %s", _utc(joined_to))]
        return _answer(request, conn, PARTNERS, filters, cursor, limit, format)

    @api.get("/commissions", response_model=Page, responses=CSV)
    def commissions(request: Request, caller: Principal = key, conn: Any = db, partner_id: str | None = None,
                    sale_id: str | None = None, level: Annotated[int | None, Query(ge=1)] = None,
                    start: From = None, end: To = None, limit: Limit = 100, cursor: str | None = None,
                    format: Format = "json") -> Any:  # noqa: A002 - the query parameter's name
        """Commission per (sale, partner, level, currency) in minor units: earned, reversed, net; by the sale's
        time [from, to). A partner key lists only its own lines."""
        filters = [("partner_id = %s", _own(caller, partner_id)), ("sale_id = %s", sale_id), ("level = %s", level),
                   ("first_occurred_at >= %s", _utc(start)), ("first_occurred_at < %s", _utc(end))]
        return _answer(request, conn, COMMISSIONS, filters, cursor, limit, format)

    @api.get("/payouts", response_model=Page, responses=CSV)
    def payouts(request: Request, caller: Principal = key, conn: Any = db, partner_id: str | None = None,
                start: From = None, end: To = None, limit: Limit = 100, cursor: str | None = None,
                format: Format = "json") -> Any:  # noqa: A002 - the query parameter's name
        """Payouts sent, in minor units, by time [from, to). A partner key lists only its own."""
        filters = [("partner_id = %s", _own(caller, partner_id)),
                   ("occurred_at >= %s", _utc(start)), ("occurred_at < %s", _utc(end))]
        return _answer(request, conn, PAYOUTS, filters, cursor, limit, format)
