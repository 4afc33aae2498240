"""The dependencies every portal page shares: a connection, and the session's partner or analyst."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request

from ledger.errors import LedgerError
from projections.access import Principal


class AnalystOnPartnerPageError(LedgerError):
    """An analyst's session on a partner's page: it is sent to the operator page."""


def connection(request: Request) -> Iterator[Any]:
    """A pooled connection for the request."""
    with request.app.state.pool.connection() as conn:
        yield conn


Conn = Annotated[Any, Depends(connection)]


def session(request: Request, conn: Conn) -> Principal:
    """The signed-in key's holder, re-checked on every request (SignedOutError → 303 to the login)."""
    principal: Principal = request.app.state.sessions.principal(request, conn)
    return principal


Session = Annotated[Principal, Depends(session)]


def partner(principal: Session) -> str:
    """The session's own partner: no page takes a partner id, so a partner sees only its own rows."""
    if principal.partner_id is None:
        raise AnalystOnPartnerPageError("partner pages are for partner keys")
    return principal.partner_id


Partner = Annotated[str, Depends(partner)]
