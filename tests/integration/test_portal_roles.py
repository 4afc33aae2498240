"""The partner center reads only what the API's least-privilege role is granted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter, received
from projections.access import create_key
from projections.api import create_api
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from streams.role_urls import application_urls
from tests.builders import two_tier_events
from tests.integration.portal_client import signed_in

pytestmark = pytest.mark.integration
PARTNER_PAGES = ["/portal/", "/portal/statement?from=2026-03-01", "/portal/statement.csv?from=2026-03-01",
                 "/portal/referrals", "/portal/downline", "/portal/milestones", "/portal/leaderboard"]


@pytest.fixture
def api_role_client(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The API as the `ledger_api` role over a two-tier ledger written and projected by their own roles."""
    urls = application_urls(database_url, tmp_path / "home", environ={})
    writer = LedgerWriter(PostgresStore.connect(ledger_env(urls.writer), create=False), min_wait_s=0)
    writer.apply([received(json.dumps(e).encode()) for e in two_tier_events()])
    writer.store.close()
    runner = ProjectionRunner(urls.projector, all_projections(), create=False)
    runner.catch_up()
    runner.close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        keys = {"susie": create_key(conn, "susie")[1], "analyst": create_key(conn, None)[1]}
    with TestClient(create_api(urls.api)) as client:
        yield client, keys


def test_every_partner_page_reads_through_the_api_role(api_role_client: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api_role_client
    signed_in(client, keys["susie"])
    assert {page: client.get(page).status_code for page in PARTNER_PAGES} == dict.fromkeys(PARTNER_PAGES, 200)


def test_the_operator_page_reads_through_the_api_role(api_role_client: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api_role_client
    answer = signed_in(client, keys["analyst"]).get("/portal/operator")
    assert answer.status_code == 200 and 'data-reason=' not in answer.text and 'data-program="prog"' in answer.text


def test_signing_out_through_the_api_role_ends_the_session(api_role_client: tuple[TestClient, dict[str, str]]) -> None:
    client, keys = api_role_client
    copied = signed_in(client, keys["susie"]).cookies.get("ledger_portal")
    assert client.post("/portal/logout", follow_redirects=False).status_code == 303
    client.cookies.set("ledger_portal", copied or "", path="/portal")
    assert client.get("/portal/", follow_redirects=False).status_code == 303
