"""Wires the partner center into the API app: its routes, and what a signed-out or wrong session gets."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from projections.portal import (
    auth_routes,
    operator_routes,
    partner_routes,
    privacy_routes,
    progress_routes,
)
from projections.portal.render import stylesheet
from projections.portal.session import Sessions, SignedOutError, sign_out
from projections.portal.wiring import AnalystOnPartnerPageError


def add_portal(api: FastAPI, secret: str | None = None) -> None:
    """Every `/portal/` route; sessions are signed with `secret`, LEDGER_PORTAL_SECRET, or a random one."""
    api.state.sessions = Sessions(secret)

    @api.exception_handler(SignedOutError)
    def signed_out(_: Request, __: SignedOutError) -> Response:
        response = RedirectResponse("/portal/login", status_code=303)
        sign_out(response)
        return response

    @api.exception_handler(AnalystOnPartnerPageError)
    def to_operator(_: Request, __: AnalystOnPartnerPageError) -> Response:
        return RedirectResponse("/portal/operator", status_code=303)

    @api.get("/portal/static/portal.css", include_in_schema=False)
    def css() -> Response:
        return Response(stylesheet(), media_type="text/css; charset=utf-8")

    for module in (auth_routes, partner_routes, privacy_routes, progress_routes, operator_routes):
        module.add_routes(api)
