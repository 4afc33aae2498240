"""Read-only HTTP API over the projections (FastAPI; OpenAPI at /docs). Keys: `Authorization: Bearer …`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CollectorRegistry
from psycopg_pool import ConnectionPool

from projections import queries
from projections.access import Principal, principal_for
from projections.leaderboard_period import PeriodError, leaderboard_period
from projections.listing_routes import add_listing_routes
from projections.models import PartnerBalance
from projections.operations import add_operations_routes
from projections.partner_lookup import partner_known
from projections.portal.app import add_portal
from projections.statement_routes import add_statement_route

bearer = HTTPBearer(auto_error=False, description="A key made with `ledger keys create`")


def _connection(request: Request) -> Iterator[Any]:
    with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[Any, Depends(_connection)]


def _principal(conn: Conn, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    principal = principal_for(conn, credentials.credentials) if credentials else None
    if principal is None:
        raise HTTPException(401, "a valid API key is required: Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


Caller = Annotated[Principal, Depends(_principal)]


def _partner(partner_id: str, caller: Caller, conn: Conn) -> str:
    # The key is checked first, so that a partner key cannot probe which other partners exist.
    if not caller.may_see(partner_id):
        raise HTTPException(403, "this key may only read its own partner's data")
    if not partner_known(conn, partner_id):
        raise HTTPException(404, f"no partner {partner_id!r} in this ledger: check the id (a partner exists "
                                 "once its partner.joined event is applied)")
    return partner_id


PartnerId = Annotated[str, Depends(_partner)]


# Partner-scoped views: path → (view, the column naming the partner, what it answers).
PARTNER_VIEWS = {
    "downline": ("second_tier_attribution", "recruiter_id",
                 "Each recruit (any depth) and what the partner earned from them above level 1"),
    "milestones": ("milestone_progress", "partner_id", "Progress on every milestone and period"),
    "referrals": ("partner_referrals", "partner_id",
                  "Referred customers as the program lets the partner see them (privacy level, declines, history)"),
    "activity": ("partner_activity", "partner_id", "Last sale, sales in the last 90 days, inactive flag"),
}


def _view_route(view: str, column: str) -> Callable[..., list[dict[str, Any]]]:
    def read(partner_id: PartnerId, conn: Conn) -> list[dict[str, Any]]:
        return queries.for_partner(conn, view, column, partner_id)
    return read


def create_api(database_url: str, readiness: Callable[[], dict[str, Any]] | None = None,
               registry: CollectorRegistry | None = None) -> FastAPI:
    """The API app; its connection pool opens on startup, not on import.

    `readiness` reports the worker's own state when the API runs inside `ledger run`; `registry`
    holds its metrics. Alone (`ledger api`), readiness and metrics come from the database only.
    """
    pool = ConnectionPool(database_url, min_size=1, max_size=4, open=False, kwargs={"autocommit": True})

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool.open()
        try:
            yield
        finally:
            pool.close()

    api = FastAPI(title="Commission ledger", version="0.1.0", lifespan=lifespan,
                  description="Read-only views of the commission ledger's projections.")
    api.state.pool = pool
    _routes(api)
    add_operations_routes(api, readiness, registry)
    add_portal(api)
    return api


def _routes(api: FastAPI) -> None:  # noqa: C901 - one small function per route
    @api.get("/partners/{partner_id}/balance", response_model=PartnerBalance)
    def balance(partner_id: PartnerId, conn: Conn) -> PartnerBalance:
        """The partner's pending, available and paid money per currency (none yet: an empty list)."""
        rows = queries.partner_balances(conn, partner_id)
        return PartnerBalance.model_validate(queries.balance_document(partner_id, rows))

    add_statement_route(api, _partner)
    add_listing_routes(api, _principal, _connection)

    for path, (view, column, summary) in PARTNER_VIEWS.items():
        api.add_api_route(f"/partners/{{partner_id}}/{path}", _view_route(view, column), methods=["GET"],
                          summary=summary, response_model=list[dict[str, Any]])

    @api.get("/leaderboard")
    def leaderboard(caller: Caller, conn: Conn, period: str = "lifetime",
                    period_kind: Literal["lifetime", "month", "quarter"] | None = None,
                    by: Literal["revenue", "sales", "commission"] = "revenue",
                    currency: str = "USD", limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[dict[str, Any]]:
        """Partners ranked for a period (`lifetime`, `2026-11`, `2026-Q4`; its kind follows from it);
        a partner key gets only its own row."""
        try:
            kind, period = leaderboard_period(period, period_kind)
        except PeriodError as exc:
            raise HTTPException(422, str(exc)) from exc
        only = None if caller.kind == "analyst" else caller.partner_id
        return queries.leaderboard(conn, kind, period, by, currency, only, limit)
