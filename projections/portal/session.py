"""The partner center's session: a signed cookie naming a key id and when it was issued, never the key."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import psycopg
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


class Token(NamedTuple):
    """What a valid session token names: the key's id, this session's own id, and when it was issued."""

    key_id: str
    session_id: str
    issued_at: datetime


class Sessions:
    """Signs and reads session tokens with one secret (HMAC, itsdangerous)."""

    def __init__(self, secret: str | None = None) -> None:
        # Without a configured secret, sessions end with the process that signed them.
        secret = secret or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
        self._serializer = URLSafeTimedSerializer(secret, salt="ledger-portal-session")

    def token(self, key_id: str) -> str:
        """A token naming the key id and a new session id; the serializer stamps the issue time into it."""
        return self._serializer.dumps({"key_id": key_id, "session": secrets.token_urlsafe(16)})

    def read(self, token: str) -> Token | None:
        """What a token this process's secret signed less than 12 h ago names, or None."""
        try:
            value, issued = self._serializer.loads(token, max_age=MAX_AGE_S, return_timestamp=True)
        except BadSignature:  # also a token past its age (SignatureExpired is a BadSignature)
            return None
        if not isinstance(value, dict):
            return None
        key_id, session_id = value.get("key_id"), value.get("session")
        if not (isinstance(key_id, str) and isinstance(session_id, str)):
            return None
        return Token(key_id, session_id, issued)

    def sign_in(self, response: Response, request: Request, key_id: str) -> None:
        """Set the cookie: HTTP-only, SameSite=Lax, only under /portal, Secure when the request came over HTTPS."""
        response.set_cookie(COOKIE, self.token(key_id), max_age=MAX_AGE_S, path=PATH, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")

    def principal(self, request: Request, conn: Any) -> Principal:
        """Whose session this request carries, re-checked against the keys (a revoked key signs out at once)
        and against the sessions signed out (a copied cookie does not outlive its sign-out)."""
        token = request.cookies.get(COOKIE)
        read = self.read(token) if token else None
        principal = active_principal(conn, read.key_id) if read and not _ended(conn, read.session_id) else None
        if principal is None:
            raise SignedOutError("sign in at /portal/login")
        return principal

    def end(self, request: Request, conn: Any) -> None:
        """End the request's session for good, not only in this browser."""
        token = request.cookies.get(COOKIE)
        read = self.read(token) if token else None
        if read is None:
            return
        conn.execute("DELETE FROM access.ended_sessions WHERE expires_at < now()")
        conn.execute("INSERT INTO access.ended_sessions (session_digest, expires_at) VALUES (%s, %s) "
                     "ON CONFLICT DO NOTHING", (_digest(read.session_id), read.issued_at + timedelta(seconds=MAX_AGE_S)))


def sign_out(response: Response) -> None:
    """Clear the cookie."""
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax")


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _ended(conn: Any, session_id: str) -> bool:
    try:
        row = conn.execute("SELECT 1 FROM access.ended_sessions WHERE session_digest = %s",
                           (_digest(session_id),)).fetchone()
    except psycopg.errors.UndefinedTable:  # a database provisioned before sign-outs were kept
        return False
    return row is not None
