"""`GET /partners/{partner_id}/statement`: the statement document (JSON) or its CSV, streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ledger.rules.statement import Period
from projections import statement_export
from projections.request_times import utc

MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


class Buckets(BaseModel):
    """A balance in minor units; owed = pending + available."""

    pending: int
    available: int
    paid: int
    owed: int


class Change(BaseModel):
    """How one line moved the partner's buckets, signed."""

    pending: int
    available: int
    paid: int


class Line(BaseModel):
    """One posting that moved the partner's money, with the running balance after it."""

    position: int = Field(description="Ledger log position of the entry holding the posting")
    line: int = Field(description="Index of the posting inside that entry")
    occurred_at: datetime
    recorded_at: datetime
    cause: Literal["sale", "refund", "decline", "correction", "bonus", "clawback", "maturation", "payout"]
    sale_id: str | None
    level: int | None
    detail: str | None
    source: str
    destination: str
    amount: int = Field(description="The posting's amount as recorded (positive), minor units")
    currency: str
    change: Change
    balance: Buckets


class Statement(BaseModel):
    """commission-ledger/statement@1: opening, every line with cause and running balance, totals, closing."""

    format: Literal["commission-ledger/statement@1"]
    partner_id: str
    currency: str
    from_: datetime = Field(alias="from", description="Inclusive")
    to: datetime = Field(description="Exclusive")
    basis: Literal["occurred", "recorded"]
    opening: Buckets
    closing: Buckets
    totals: dict[str, int] = Field(description="Signed effect on owed per cause; maturation: the amount moved "
                                               "from pending to available")
    lines: list[Line]


def add_statement_route(api: FastAPI, partner: Callable[..., str]) -> None:
    """The statement route; `partner` is the dependency that checks the caller may see the partner."""
    @api.get("/partners/{partner_id}/statement", response_model=Statement,
             responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                              "description": "The statement document, or with format=csv one row per line "
                                             "between marked opening and closing rows"}})
    def statement(request: Request, start: Annotated[datetime, Query(alias="from")],
                  partner_id: str = Depends(partner),  # the caller may see this partner, or 403
                  end: Annotated[datetime | None, Query(alias="to")] = None,
                  currency: Annotated[str, Query(pattern="^[A-Za-z]{3}$")] = "USD",
                  basis: Literal["occurred", "recorded"] = "occurred",
                  format: Literal["json", "csv"] = "json") -> Any:  # noqa: A002 - the query parameter's name
        """The partner's statement for [from, to): opening balance, each line with its cause and running
        balance, totals per cause, closing. basis=occurred reads lines by event time (as of), basis=recorded
        by when the ledger recorded them (as known at). Money in integer minor units."""
        period = Period(partner_id, currency.upper(), utc(start), utc(end or datetime.now(UTC)), basis)
        if period.end <= period.start:
            raise HTTPException(422, "`to` must be after `from`")
        return StreamingResponse(streamed(request, period, format), media_type=MEDIA[format])


def streamed(request: Request, period: Period, fmt: str) -> Iterator[str]:
    """The statement's chunks in `fmt`, for a streamed response."""
    # A connection of its own: the request's is given back before a streamed body is written.
    with request.app.state.pool.connection() as conn:
        yield from statement_export.export(conn, period, fmt)
