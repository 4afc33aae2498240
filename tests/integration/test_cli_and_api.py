"""The `ledger` command and the HTTP API read the same projections."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.builders import refund, two_tier_events
from tests.integration.harness import Harness, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def caught_up(harness: Harness) -> Harness:
    """A ledger with its API on, after the two-tier example and a partial refund."""
    events = [*two_tier_events(), refund("S-1", 2_500)]
    harness.start_worker(api=True)
    harness.apply(events)
    return harness


def _partner_key(harness: Harness, partner_id: str) -> str:
    made = harness.ledger("keys", "create", *(["--partner", partner_id] if partner_id else ["--analyst"]))
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


def _api_get(harness: Harness, path: str, key: str | None = None) -> httpx.Response:
    url = f"http://127.0.0.1:{harness.api_port}{path}"
    headers = {"Authorization": f"Bearer {key}"} if key else {}

    def attempt() -> httpx.Response | None:
        try:
            return httpx.get(url, timeout=5, headers=headers)
        except httpx.TransportError:
            return None
    return wait_for(attempt, f"the API to answer {path}")


def test_ledger_balance_json_agrees_with_the_http_api(caught_up: Harness) -> None:
    cli = caught_up.ledger("balance", "rex", "--json")
    api = _api_get(caught_up, "/partners/rex/balance", _partner_key(caught_up, "rex"))
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == api.json()
    assert api.json()["balances"][0]["available"] == {"amount": 1_500, "currency": "USD"}


def test_ledger_status_shows_zero_lag_once_caught_up(caught_up: Harness) -> None:
    status = json.loads(caught_up.ledger("status", "--json").stdout)
    assert status["max_lag"] == 0 and status["head"] > 0 and status["parked"] == 0


def test_ledger_status_shows_no_input_backlog_once_caught_up(caught_up: Harness) -> None:
    assert json.loads(caught_up.ledger("status", "--json").stdout)["input_backlog"] == 0


def test_unknown_partner_balance_is_404(caught_up: Harness) -> None:
    assert _api_get(caught_up, "/partners/nobody/balance", _partner_key(caught_up, "")).status_code == 404


def test_the_api_refuses_requests_without_a_key(caught_up: Harness) -> None:
    assert _api_get(caught_up, "/partners/rex/balance").status_code == 401


def test_ledger_rebuild_all_reports_every_projection(caught_up: Harness) -> None:
    result = caught_up.ledger("rebuild", "--all")
    assert result.returncode == 0, result.stderr
    assert "partner_balances" in result.stdout and "statement_lines" in result.stdout


def test_produce_routes_each_event_to_its_topic(harness: Harness, tmp_path: object) -> None:
    events = two_tier_events()
    path = harness.workdir / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    harness.start_worker()
    result = harness.ledger("produce", str(path))
    assert result.returncode == 0, result.stderr
    harness.wait_until_applied(events)
    assert json.loads(harness.ledger("balance", "susie", "--json").stdout)["balances"][0]["available"]["amount"] == 500


def test_produce_without_a_broker_says_what_to_do(harness: Harness) -> None:
    env_without_broker = {k: v for k, v in harness.env.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "-m", "streams.cli", "produce", "-"], input="", env=env_without_broker,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "Start `ledger run`" in result.stderr
