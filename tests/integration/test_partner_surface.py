"""What a new user meets first: the leaderboard's periods, and an unknown partner told apart from a quiet one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.api import create_api
from tests.builders import joined, program, sale
from tests.integration.api_ledger import analyst_and_rex_keys, decided_ledger

pytestmark = pytest.mark.integration
ENDPOINTS = ["balance", "downline", "milestones", "referrals", "activity", "statement?from=2026-03-01"]
UNKNOWN = "no partner 'nobody' in this ledger (check the id; `ledger partners` lists them)"


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    """A ledger where rex sold in March 2026 and quiet joined but has sold nothing."""
    with decided_ledger(postgres_admin_url, [program(), joined("rex"), joined("quiet"), sale("S-1", "rex", 10_000)]) \
            as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    """An analyst key and a key for rex."""
    return analyst_and_rex_keys(ledger_url)


@pytest.fixture(scope="module")
def client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url)) as test_client:
        yield test_client


def _get(client: TestClient, path: str, key: str) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


def _ledger(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def cli_env(ledger_url: str, tmp_path: Path) -> dict[str, str]:
    """`ledger` commands pointed at the module's ledger."""
    return os.environ | {"DATABASE_URL": ledger_url, "LEDGER_HOME": str(tmp_path / "home")}


@pytest.mark.parametrize("period", ["2026-03", "2026-Q1", "2026-q1", "lifetime"])
def test_the_leaderboard_infers_the_period_kind_from_the_period(client: TestClient, keys: dict[str, str],
                                                                period: str) -> None:
    rows = _get(client, f"/leaderboard?period={period}", keys["analyst"]).json()
    assert [(r["partner_id"], r["revenue"]) for r in rows] == [("rex", 10_000)]


@pytest.mark.parametrize("period", ["2026-13", "March", "2026-Q5", "26-03"])
def test_the_leaderboard_refuses_a_period_that_names_no_period(client: TestClient, keys: dict[str, str],
                                                               period: str) -> None:
    answer = _get(client, f"/leaderboard?period={period}", keys["analyst"])
    assert answer.status_code == 422 and "2026-Q4" in answer.json()["detail"]


def test_the_leaderboard_refuses_a_period_kind_that_contradicts_the_period(client: TestClient,
                                                                           keys: dict[str, str]) -> None:
    answer = _get(client, "/leaderboard?period=2026-03&period_kind=quarter", keys["analyst"])
    assert answer.status_code == 422 and "is a month period" in answer.json()["detail"]


def test_ledger_leaderboard_refuses_a_period_that_names_no_period(cli_env: dict[str, str]) -> None:
    result = _ledger(cli_env, "leaderboard", "--period", "2026-13")
    assert result.returncode == 2 and "2026-Q4" in result.stderr


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_partner_endpoint_answers_404_for_a_partner_the_ledger_never_saw(
        client: TestClient, keys: dict[str, str], endpoint: str) -> None:
    answer = _get(client, f"/partners/nobody/{endpoint}", keys["analyst"])
    assert answer.status_code == 404 and "no partner 'nobody'" in answer.json()["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_partner_endpoint_answers_200_for_a_partner_with_nothing_yet(
        client: TestClient, keys: dict[str, str], endpoint: str) -> None:
    assert _get(client, f"/partners/quiet/{endpoint}", keys["analyst"]).status_code == 200


def test_the_balance_of_a_partner_with_nothing_yet_is_an_empty_list(client: TestClient, keys: dict[str, str]) -> None:
    assert _get(client, "/partners/quiet/balance", keys["analyst"]).json() == {"partner_id": "quiet", "balances": []}


@pytest.mark.parametrize("partner", ["nobody", "quiet"])
def test_a_partner_key_asking_for_another_partner_gets_403_whether_or_not_it_exists(
        client: TestClient, keys: dict[str, str], partner: str) -> None:
    assert _get(client, f"/partners/{partner}/balance", keys["rex"]).status_code == 403


@pytest.mark.parametrize("command", [("balance", "nobody"), ("balance", "nobody", "--as-of", "2026-04-01"),
                                     ("milestones", "nobody"), ("downline", "nobody"),
                                     ("statement", "nobody", "--from", "2026-03-01")])
def test_a_partner_command_names_an_unknown_partner_as_unknown(cli_env: dict[str, str], command: tuple[str, ...]) -> None:
    result = _ledger(cli_env, *command)
    assert result.returncode == 1 and UNKNOWN in result.stderr


@pytest.mark.parametrize(("command", "said"), [(("balance", "quiet"), "has no balance yet"),
                                               (("milestones", "quiet"), "has no milestones yet"),
                                               (("downline", "quiet"), "has no downline yet")])
def test_a_partner_command_says_a_known_partner_has_nothing_yet(cli_env: dict[str, str], command: tuple[str, ...],
                                                                said: str) -> None:
    result = _ledger(cli_env, *command)
    assert result.returncode == 0 and f"partner 'quiet' {said}" in result.stdout
