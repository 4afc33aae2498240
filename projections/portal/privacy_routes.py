"""/portal/referrals: the `partner_referrals` view, shaped by the program's referral_info, declines and history."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from projections import queries
from projections.portal import reads, referrals
from projections.portal.render import partner_page
from projections.portal.wiring import Conn, Partner


def add_routes(api: FastAPI) -> None:
    """/portal/referrals."""
    @api.get("/portal/referrals", response_class=HTMLResponse, include_in_schema=False)
    def referral_page(request: Request, partner_id: Partner, conn: Conn) -> Response:
        # The view already blanks what the program hides; the page leaves those columns out altogether.
        program = reads.program_of(conn, partner_id)
        rows = queries.for_partner(conn, "partner_referrals", "partner_id", partner_id)
        return partner_page(request, "referrals.html", partner_id, "nav-referrals", title="Referrals",
                            program=program, columns=referrals.columns(program),
                            groups=referrals.groups(program, rows), count=len(rows))
