"""What operators and hostile callers get from the API: liveness, readiness, metrics, bounded queries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.access import create_key
from projections.api import create_api
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import inbound, joined, program, sale

pytestmark = pytest.mark.integration


def _ledger(database_url: str) -> None:
    app = LedgerWriter(PostgresStore.connect(ledger_env(database_url)))
    app.apply([inbound(e) for e in (program(), joined("rex"), sale("S-1", "rex", 10_000))])
    ProjectionRunner(database_url, all_projections()).catch_up()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The API over a small ledger whose projections have caught up."""
    _ledger(database_url)
    with TestClient(create_api(database_url)) as test_client:
        yield test_client


@pytest.fixture
def rex_key(database_url: str) -> str:
    """A key of partner rex."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        return create_key(conn, "rex")[1]


def _get(client: TestClient, path: str, key: str | None = None) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {key}"} if key else {})


def test_ready_says_ready_when_the_projections_are_caught_up(client: TestClient) -> None:
    response = _get(client, "/ready")
    assert (response.status_code, response.json()["ready"], response.json()["max_projection_lag"]) == (200, True, 0)


def test_ready_answers_503_when_the_worker_is_down(database_url: str) -> None:
    _ledger(database_url)
    down = {"worker_alive": False, "projections_alive": True}
    with TestClient(create_api(database_url, readiness=lambda: down)) as test_client:
        response = _get(test_client, "/ready")
    assert response.status_code == 503 and "worker" in " ".join(response.json()["problems"])


def test_ready_answers_503_when_the_projection_process_is_down(database_url: str) -> None:
    _ledger(database_url)
    down = {"worker_alive": True, "projections_alive": False}
    with TestClient(create_api(database_url, readiness=lambda: down)) as test_client:
        assert _get(test_client, "/ready").status_code == 503


def test_metrics_report_projection_lag_in_prometheus_text(client: TestClient) -> None:
    body = _get(client, "/metrics").text
    assert 'ledger_projection_lag{projection="partner_balances"} 0.0' in body


def test_metrics_report_the_ledger_head(client: TestClient) -> None:
    assert "ledger_head_position " in _get(client, "/metrics").text


def test_a_statement_in_an_unknown_format_is_refused_not_a_server_error(client: TestClient, rex_key: str) -> None:
    path = "/partners/rex/statement?from=2026-01-01T00:00:00Z&format=xml"
    assert _get(client, path, rex_key).status_code == 422


def test_a_statement_from_the_year_one_is_refused_not_a_server_error(client: TestClient, rex_key: str) -> None:
    path = "/partners/rex/statement?from=0001-01-01T00:00:00%2B01:00"
    assert _get(client, path, rex_key).status_code == 422
