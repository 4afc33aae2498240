"""The partner center's sign-in: a signed, HTTP-only cookie; no page without it; a revoked key signs out."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from projections.access import create_key, revoke_key
from projections.api import create_api
from projections.portal.session import COOKIE
from tests.builders import joined, program, sale
from tests.integration.api_ledger import analyst_and_rex_keys, decided_ledger
from tests.integration.portal_client import signed_in

pytestmark = pytest.mark.integration
PAGES = ["/portal/", "/portal/statement", "/portal/statement.csv", "/portal/referrals", "/portal/downline",
         "/portal/milestones", "/portal/leaderboard", "/portal/operator"]


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    """Rex sold once in March 2026."""
    with decided_ledger(postgres_admin_url, [program(), joined("rex"), sale("S-1", "rex", 10_000)]) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    return analyst_and_rex_keys(ledger_url)


@pytest.fixture
def client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url)) as test_client:
        yield test_client


@pytest.fixture
def https_client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url), base_url="https://testserver") as test_client:
        yield test_client


def _set_cookie(client: TestClient, key: str) -> str:
    answer = client.post("/portal/login", data={"key": key}, follow_redirects=False)
    return answer.headers["set-cookie"]


def test_the_login_page_is_a_form_posting_the_key(client: TestClient) -> None:
    html = client.get("/portal/login").text
    assert '<form method="post" action="/portal/login" id="login">' in html and 'name="key"' in html


def test_a_partner_key_signs_in_to_the_overview(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.post("/portal/login", data={"key": keys["rex"]}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/")


def test_an_analyst_key_signs_in_to_the_operator_page(client: TestClient, keys: dict[str, str]) -> None:
    answer = client.post("/portal/login", data={"key": keys["analyst"]}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/operator")


def test_the_session_cookie_is_http_only_same_site_and_scoped_to_the_portal(client: TestClient,
                                                                           keys: dict[str, str]) -> None:
    cookie = _set_cookie(client, keys["rex"]).lower()
    assert cookie.startswith(f"{COOKIE}=") and "httponly" in cookie and "samesite=lax" in cookie
    assert "path=/portal" in cookie


def test_the_session_cookie_is_not_secure_over_http(client: TestClient, keys: dict[str, str]) -> None:
    assert "secure" not in _set_cookie(client, keys["rex"]).lower()


def test_the_session_cookie_is_secure_over_https(https_client: TestClient, keys: dict[str, str]) -> None:
    assert "; secure" in _set_cookie(https_client, keys["rex"]).lower()


def test_the_session_cookie_holds_no_key(client: TestClient, keys: dict[str, str]) -> None:
    assert keys["rex"] not in _set_cookie(client, keys["rex"])


def test_signing_in_and_reading_a_page_log_nothing_that_holds_the_key(client: TestClient, keys: dict[str, str],
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with capture_logs() as structured:
        signed_in(client, keys["rex"]).get("/portal/")
    assert keys["rex"] not in caplog.text and keys["rex"] not in repr(structured)


def test_a_bad_key_is_refused_with_an_alert(client: TestClient) -> None:
    answer = client.post("/portal/login", data={"key": "lk_not-a-key"}, follow_redirects=False)
    assert answer.status_code == 401 and 'role="alert" id="login-error"' in answer.text
    assert COOKIE not in answer.cookies


def test_a_refused_key_is_not_echoed_into_the_page(client: TestClient) -> None:
    assert "lk_not-a-key" not in client.post("/portal/login", data={"key": "lk_not-a-key"}).text


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_session_redirects_to_the_login(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")


@pytest.mark.parametrize("path", PAGES)
def test_a_tampered_cookie_redirects_to_the_login(client: TestClient, keys: dict[str, str], path: str) -> None:
    token = signed_in(client, keys["rex"]).cookies[COOKIE]
    client.cookies.clear()
    client.cookies.set(COOKIE, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), path="/portal")
    answer = client.get(path, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")


def test_a_cookie_signed_with_another_secret_redirects_to_the_login(client: TestClient, ledger_url: str,
                                                                   keys: dict[str, str]) -> None:
    with TestClient(create_api(ledger_url)) as other:
        token = signed_in(other, keys["rex"]).cookies[COOKIE]
    client.cookies.set(COOKIE, token, path="/portal")
    assert client.get("/portal/", follow_redirects=False).status_code == 303


def test_a_key_revoked_after_sign_in_is_signed_out_at_once(client: TestClient, ledger_url: str) -> None:
    with psycopg.connect(ledger_url, autocommit=True) as conn:
        key_id, key = create_key(conn, "rex")
        signed_in(client, key)
        assert client.get("/portal/", follow_redirects=False).status_code == 200
        revoke_key(conn, key_id)
    answer = client.get("/portal/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")


def test_signing_out_clears_the_cookie(client: TestClient, keys: dict[str, str]) -> None:
    signed_in(client, keys["rex"]).post("/portal/logout", follow_redirects=False)
    assert client.get("/portal/", follow_redirects=False).status_code == 303


def test_a_cookie_copied_before_signing_out_no_longer_signs_in(client: TestClient, keys: dict[str, str]) -> None:
    copied = signed_in(client, keys["rex"]).cookies.get("ledger_portal")
    client.post("/portal/logout", follow_redirects=False)
    client.cookies.set("ledger_portal", copied or "", path="/portal")
    answer = client.get("/portal/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")


def test_signing_out_ends_only_that_session(client: TestClient, keys: dict[str, str]) -> None:
    other = TestClient(client.app)  # another browser on the same server (its pool is already open)
    signed_in(other, keys["rex"])
    signed_in(client, keys["rex"]).post("/portal/logout", follow_redirects=False)
    assert other.get("/portal/", follow_redirects=False).status_code == 200


def test_an_analyst_session_on_a_partner_page_goes_to_the_operator_page(client: TestClient,
                                                                         keys: dict[str, str]) -> None:
    answer = signed_in(client, keys["analyst"]).get("/portal/statement", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/operator")


def test_the_stylesheet_is_served_without_a_session(client: TestClient) -> None:
    answer = client.get("/portal/static/portal.css")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
