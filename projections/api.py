"""Read-only HTTP API over the projections (FastAPI, OpenAPI at /docs)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from projections.queries import balance_document, partner_balances
from projections.status import ledger_status


class Money(BaseModel):
    """Integer minor units of one currency, as in the input contract."""

    amount: int
    currency: str


class CurrencyBalance(BaseModel):
    """A partner's balances in one currency."""

    currency: str
    pending: Money
    available: Money
    paid: Money
    lifetime_earned: Money
    lifetime_reversed: Money


class PartnerBalance(BaseModel):
    """Every currency balance of one partner."""

    partner_id: str
    balances: list[CurrencyBalance]


def _connection(request: Request) -> Iterator[Any]:
    with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[Any, Depends(_connection)]


def create_api(database_url: str) -> FastAPI:
    """The API app; its connection pool opens on startup, not on import."""
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

    @api.get("/health")
    def health(conn: Conn) -> dict[str, Any]:
        """Liveness plus the ledger head, projection lag and dead-letter count."""
        return {"status": "ok"} | ledger_status(conn).as_dict()

    @api.get("/partners/{partner_id}/balance", response_model=PartnerBalance)
    def balance(partner_id: str, conn: Conn) -> PartnerBalance:
        """The partner's pending, available and paid money per currency."""
        rows = partner_balances(conn, partner_id)
        if not rows:
            raise HTTPException(404, f"no balance for partner {partner_id}")
        return PartnerBalance.model_validate(balance_document(partner_id, rows))

    return api
