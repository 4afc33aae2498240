"""Statements chain month to month and close at the balance; `ledger balance --as-of / --known-at`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.api import create_api
from tests.builders import joined, payout, program, refund, sale
from tests.integration.api_ledger import keys_for
from tests.integration.harness import Harness

pytestmark = pytest.mark.integration
# March: S-1 earns 10 % of 100.00, a quarter is refunded, then terms of 30 % from 3 March arrive late and
# re-price it. April: S-2 at 30 %, half refunded on 9 April, a payout. Last, a sale dated 10 March arrives.
BEFORE = [program(tiers=("0.10",), day=1), joined("rex"), joined("susie"), sale("S-1", "rex", 10_000, day=5),
          refund("S-1", 2_500, day=6)]
REPRICE = [program(tiers=("0.30",), day=3)]
APRIL = [sale("S-2", "rex", 20_000, day=35), refund("S-2", 10_000, day=40), payout("rex", 1_000, day=45)]
LATE = [sale("S-3", "rex", 5_000, day=10)]
MARCH, APRIL_1, MAY = "2026-03-01", "2026-04-01", "2026-05-01"


@dataclass
class Scenario:
    """The ledger, and the moment between the April events being recorded and the late sale arriving."""

    harness: Harness
    before_late: str


@pytest.fixture(scope="module")
def ledger(module_harness: Harness) -> Scenario:
    """The events above, each group applied before the next is published."""
    module_harness.start_worker()
    for events in (BEFORE, REPRICE, APRIL):
        module_harness.apply(events)
    before_late = datetime.now(UTC).isoformat()
    module_harness.apply(LATE)
    return Scenario(module_harness, before_late)


def _run(ledger: Scenario, *args: str) -> str:
    result = ledger.harness.ledger(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _statement(ledger: Scenario, start: str, end: str, *more: str) -> dict[str, Any]:
    return json.loads(_run(ledger, "statement", "rex", "--from", start, "--to", end, "--json", *more))


def _balance(ledger: Scenario, *more: str) -> dict[str, int]:
    [row] = json.loads(_run(ledger, "balance", "rex", "--json", *more))["balances"]
    return {bucket: row[bucket]["amount"] for bucket in ("pending", "available", "paid")}


def _buckets(balance: dict[str, int]) -> dict[str, int]:
    return {bucket: balance[bucket] for bucket in ("pending", "available", "paid")}


def test_the_march_closing_is_the_april_opening(ledger: Scenario) -> None:
    assert _statement(ledger, MARCH, APRIL_1)["closing"] == _statement(ledger, APRIL_1, MAY)["opening"]


def test_a_statement_to_now_closes_at_the_partners_balance(ledger: Scenario) -> None:
    closing = json.loads(_run(ledger, "statement", "rex", "--from", "2026-01-01", "--json"))["closing"]
    assert _buckets(closing) == _balance(ledger)


def test_a_repriced_sale_shows_a_correction_and_leaves_the_sale_total_alone(ledger: Scenario) -> None:
    march = _statement(ledger, MARCH, APRIL_1)
    causes = [line["cause"] for line in march["lines"] if line["sale_id"] == "S-1"]
    assert causes == ["sale", "correction", "correction", "correction", "refund"]  # corrections are dated by the sale
    # Sales at their first price (S-1 10.00, S-3 15.00); the re-price is +15.00: 30.00 less its refunded quarter.
    assert (march["totals"]["sale"], march["totals"]["refund"], march["totals"]["correction"]) == (2_500, -250, 1_500)


def test_the_csv_and_the_json_agree(ledger: Scenario) -> None:
    document = _statement(ledger, MARCH, MAY)
    rows = list(csv.DictReader(io.StringIO(_run(ledger, "statement", "rex", "--from", MARCH, "--to", MAY, "--csv"))))
    assert [r["record"] for r in rows] == ["opening", *["line"] * len(document["lines"]), "closing"]
    assert [(int(r["position"]), r["cause"], int(r["amount"]), int(r["owed"])) for r in rows[1:-1]] == [
        (ln["position"], ln["cause"], ln["amount"], ln["balance"]["owed"]) for ln in document["lines"]]
    assert {k: int(rows[-1][k]) for k in ("pending", "available", "paid", "owed")} == document["closing"]


def test_the_table_shows_opening_causes_and_closing(ledger: Scenario) -> None:
    table = _run(ledger, "statement", "rex", "--from", MARCH, "--to", APRIL_1)
    assert all(word in table for word in ("opening", "correction", "refund", "closing"))


def test_a_statement_by_recorded_time_holds_only_what_arrived_in_it(ledger: Scenario) -> None:
    document = _statement(ledger, ledger.before_late, "2100-01-01", "--basis", "recorded")
    assert [(line["cause"], line["sale_id"]) for line in document["lines"]] == [("sale", "S-3")]


def test_balance_as_of_before_a_refund_shows_the_balance_before_it(ledger: Scenario) -> None:
    before, live = _balance(ledger, "--as-of", "2026-04-09T00:00:00Z"), _balance(ledger)
    assert before["available"] - 3_000 == live["available"] + 1_000  # the refund's 30.00, and the later payout
    assert _balance(ledger, "--as-of", "2026-04-30") == live


def test_known_at_leaves_out_a_back_dated_sale_recorded_later_and_as_of_includes_it(ledger: Scenario) -> None:
    as_of, known_at = (_balance(ledger, option, ledger.before_late) for option in ("--as-of", "--known-at"))
    assert as_of["available"] - known_at["available"] == 1_500


def test_balance_json_says_what_time_it_answers_for(ledger: Scenario) -> None:
    document = json.loads(_run(ledger, "balance", "rex", "--json", "--known-at", "2026-04-01"))
    assert document["known_at"] == "2026-04-01T00:00:00+00:00" and "as_of" not in document


@pytest.fixture(scope="module")
def client(ledger: Scenario) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The API over the scenario, with a key for rex and one for susie."""
    url = ledger.harness.settings.database_url or ""
    keys = keys_for(url, ("rex", "susie"), analyst=False)
    with TestClient(create_api(url)) as test_client:
        yield test_client, keys


def _get(client: tuple[TestClient, dict[str, str]], path: str, key: str) -> Any:
    return client[0].get(path, headers={"Authorization": f"Bearer {client[1][key]}"})


def test_a_partner_key_reads_its_own_statement(ledger: Scenario, client: tuple[TestClient, dict[str, str]]) -> None:
    response = _get(client, f"/partners/rex/statement?from={MARCH}T00:00:00Z&to={MAY}T00:00:00Z", "rex")
    assert response.status_code == 200
    assert response.json() == _statement(ledger, MARCH, MAY)


def test_a_partner_key_is_refused_another_partners_statement(client: tuple[TestClient, dict[str, str]]) -> None:
    assert _get(client, f"/partners/rex/statement?from={MARCH}T00:00:00Z", "susie").status_code == 403


def test_the_api_serves_the_statement_as_csv(client: tuple[TestClient, dict[str, str]]) -> None:
    response = _get(client, f"/partners/rex/statement?from={MARCH}T00:00:00Z&to={MAY}T00:00:00Z&format=csv", "rex")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert (rows[0]["record"], rows[-1]["record"]) == ("opening", "closing")


def test_a_statement_with_proofs_passes_the_standalone_verifier_and_a_tampered_line_fails(
        ledger: Scenario, tmp_path: Any) -> None:
    digest = tmp_path / "digest.json"
    _run(ledger, "seal", "--export", str(digest))
    proven = json.loads(_run(ledger, "statement", "rex", "--from", MARCH, "--to", MAY, "--proofs"))
    assert proven["lines"] and all("proof" in line for line in proven["lines"])
    statement = tmp_path / "statement.json"
    statement.write_text(json.dumps(proven))
    assert ledger.harness.ledger("verify-statement", str(statement), "--digest", str(digest)).returncode == 0
    proven["lines"][0]["amount"] += 100
    statement.write_text(json.dumps(proven))
    tampered = ledger.harness.ledger("verify-statement", str(statement), "--digest", str(digest))
    assert tampered.returncode == 1 and "line 0" in tampered.stdout + tampered.stderr
