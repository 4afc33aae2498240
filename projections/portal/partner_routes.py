"""The partner's overview (balances, next maturation dates) and statement (page and CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from ledger.rules.statement import Period
from projections import queries, statement_export
from projections.portal import reads
from projections.portal.periods import DateWindowError, window
from projections.portal.render import partner_page
from projections.portal.wiring import Conn, Partner
from projections.statement_routes import streamed

Basis = Literal["event", "recorded", "occurred"]
BASIS = {"event": "occurred", "occurred": "occurred", "recorded": "recorded"}  # the page's word → the ledger's


def add_routes(api: FastAPI) -> None:
    """/portal/, /portal/statement and /portal/statement.csv."""
    @api.get("/portal/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, partner_id: Partner, conn: Conn) -> Response:
        return partner_page(request, "overview.html", partner_id, "nav-overview", title="Overview",
                            balances=queries.partner_balances(conn, partner_id),
                            maturing=reads.maturing(conn, partner_id),
                            hold_days=reads.program_of(conn, partner_id)["hold_days"])

    @api.get("/portal/statement", response_class=HTMLResponse, include_in_schema=False)
    def statement(request: Request, partner_id: Partner, conn: Conn, start: Annotated[str, Query(alias="from")] = "",
                  end: Annotated[str, Query(alias="to")] = "", basis: Basis = "event", currency: str = "") -> Response:
        choices = reads.currencies(conn, partner_id)
        currency = currency.upper() if currency.upper() in choices else choices[0]
        filters = {"from": start, "to": end, "basis": "recorded" if basis == "recorded" else "event",
                   "currency": currency}
        try:
            first, last, period = _period(partner_id, currency, start, end, basis)
        except DateWindowError as exc:
            return partner_page(request, "statement.html", partner_id, "nav-statement", status=422,
                                title="Statement", error=str(exc), filters=filters, currencies=choices)
        filters |= {"from": first.isoformat(), "to": last.isoformat()}
        return partner_page(request, "statement.html", partner_id, "nav-statement", title="Statement",
                            filters=filters, currencies=choices, document=statement_export.document(conn, period))

    @api.get("/portal/statement.csv", include_in_schema=False)
    def statement_csv(request: Request, partner_id: Partner, start: Annotated[str, Query(alias="from")] = "",
                      end: Annotated[str, Query(alias="to")] = "", basis: Basis = "event",
                      currency: str = "USD") -> Response:
        try:
            first, last, period = _period(partner_id, currency.upper()[:3], start, end, basis)
        except DateWindowError as exc:
            return Response(str(exc), status_code=422, media_type="text/plain; charset=utf-8")
        name = f"statement-{partner_id}-{period.currency}-{first}-{last}.csv"
        return StreamingResponse(streamed(request, period, "csv"), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{_safe(name)}"'})


def _period(partner_id: str, currency: str, start: str, end: str, basis: str) -> tuple[date, date, Period]:
    first, last, (since, until) = window(start, end)
    return first, last, Period(partner_id, currency, since, until, BASIS.get(basis, "occurred"))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
