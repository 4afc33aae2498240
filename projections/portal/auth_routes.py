"""Sign in with a key (a POST body, so it is in no URL or access log) and sign out."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from projections.access import Principal, principal_for
from projections.portal.render import page
from projections.portal.session import sign_out
from projections.portal.wiring import Conn

MAX_FORM_BYTES = 4096  # a key is 46 characters; anything much longer is not a sign-in
BAD_KEY = "That key is not a valid, active key. Check it, or ask your program's operator for a new one."


async def _key(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return ""
    values = parse_qs(body.decode("utf-8", errors="replace"))
    return (values.get("key") or [""])[0].strip()


def _holder(request: Request, key: str) -> Principal | None:
    with request.app.state.pool.connection() as conn:
        return principal_for(conn, key)


def add_routes(api: FastAPI) -> None:
    """GET and POST /portal/login, POST /portal/logout."""
    @api.get("/portal/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request) -> Response:
        return page(request, "login.html", title="Sign in")

    @api.post("/portal/login", response_class=HTMLResponse, include_in_schema=False)
    async def login(request: Request) -> Response:
        key = await _key(request)
        principal = await run_in_threadpool(_holder, request, key) if key else None
        if principal is None:
            return page(request, "login.html", status=401, title="Sign in", error=BAD_KEY)
        target = "/portal/" if principal.kind == "partner" else "/portal/operator"
        response = RedirectResponse(target, status_code=303)
        request.app.state.sessions.sign_in(response, request, principal.key_id)
        return response

    @api.post("/portal/logout", include_in_schema=False)
    def logout(request: Request, conn: Conn) -> Response:
        request.app.state.sessions.end(request, conn)
        response = RedirectResponse("/portal/login", status_code=303)
        sign_out(response)
        return response
