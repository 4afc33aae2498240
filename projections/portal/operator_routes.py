"""/portal/operator, for an analyst key: programs and settings, top partners, dead letters by reason, lag."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from projections.operations import dead_letters_by_reason
from projections.portal import reads
from projections.portal.render import OPERATOR_NAV, page
from projections.portal.wiring import Conn, Session
from projections.queries import rows_as_dicts
from projections.status import ledger_status
from projections.tracking import SCHEMA

FORBIDDEN = "This page is for operators: sign in with an analyst key (`ledger keys create --analyst`)."


def add_routes(api: FastAPI) -> None:
    """/portal/operator."""
    @api.get("/portal/operator", response_class=HTMLResponse, include_in_schema=False)
    def operator(request: Request, principal: Session, conn: Conn) -> Response:
        if principal.kind != "analyst":
            return page(request, "forbidden.html", status=403, title="Not for partner keys", message=FORBIDDEN,
                        nav=(("nav-overview", "/portal/", "Back to your overview"),), current="")
        status = ledger_status(conn)  # what /ready and /metrics report
        return page(request, "operator.html", nav=OPERATOR_NAV, current="nav-operator", who="operator",
                    title="Operations",
                    programs=rows_as_dicts(conn, f"SELECT * FROM {SCHEMA}.programs ORDER BY program_id"),
                    top=reads.top_partners(conn), letters=sorted(dead_letters_by_reason(conn)), ledger=status)
