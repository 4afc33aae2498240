"""A TestClient signed in to the partner center, for the portal's tests."""

from __future__ import annotations

from fastapi.testclient import TestClient

from projections.portal.session import COOKIE


def signed_in(client: TestClient, key: str) -> TestClient:
    """The client after posting `key` to the login form (its cookie jar holds the session)."""
    client.cookies.clear()
    answer = client.post("/portal/login", data={"key": key}, follow_redirects=False)
    assert answer.status_code == 303 and COOKIE in answer.cookies, answer.text
    return client
