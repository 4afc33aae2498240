"""The partner center's session: a signed cookie naming a key id and when it was issued, never the key."""

from __future__ import annotations

import os
import secrets
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ledger.errors import LedgerError
from projections.access import Principal, active_principal

COOKIE = "ledger_portal"
PATH = "/portal"
MAX_AGE_S = 12 * 3600
SECRET_ENV = "LEDGER_PORTAL_SECRET"


class SignedOutError(LedgerError):
    """No valid session: no cookie, a tampered or expired one, or a key revoked since sign-in."""


class Sessions:
    """Signs and reads session tokens with one secret (HMAC, itsdangerous)."""

    def __init__(self, secret: str | None = None) -> None:
        # Without a configured secret, sessions end with the process that signed them.
        secret = secret or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
        self._serializer = URLSafeTimedSerializer(secret, salt="ledger-portal-session")

    def token(self, key_id: str) -> str:
        """A token naming the key id; the serializer stamps the issue time into it."""
        return self._serializer.dumps({"key_id": key_id})

    def key_id(self, token: str) -> str | None:
        """The key id of a token this process's secret signed less than 12 h ago, or None."""
        try:
            value = self._serializer.loads(token, max_age=MAX_AGE_S)
        except BadSignature:  # also a token past its age (SignatureExpired is a BadSignature)
            return None
        key_id = value.get("key_id") if isinstance(value, dict) else None
        return key_id if isinstance(key_id, str) else None

    def sign_in(self, response: Response, request: Request, key_id: str) -> None:
        """Set the cookie: HTTP-only, SameSite=Lax, only under /portal, Secure when the request came over HTTPS."""
        response.set_cookie(COOKIE, self.token(key_id), max_age=MAX_AGE_S, path=PATH, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")

    def principal(self, request: Request, conn: Any) -> Principal:
        """Whose session this request carries, re-checked against the keys (a revoked key signs out at once)."""
        token = request.cookies.get(COOKIE)
        key_id = self.key_id(token) if token else None
        principal = active_principal(conn, key_id) if key_id else None
        if principal is None:
            raise SignedOutError("sign in at /portal/login")
        return principal


def sign_out(response: Response) -> None:
    """Clear the cookie."""
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax")
