"""Bad input lands in the DLQ with the original bytes and a reason; the worker keeps going."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.builders import refund, sale, two_tier_events
from tests.integration.harness import Harness, balances

pytestmark = pytest.mark.integration

MALFORMED = b'{"event_id": "broken", "type": "sale.completed",'
UNKNOWN_TYPE = json.dumps({"event_id": "odd-1", "type": "sale.teleported", "occurred_at": "2026-03-02T00:00:00Z"})
NEGATIVE = sale("S-neg", "rex", -500, event_id="negative-1")
OVER_REFUND = refund("S-1", 20_000, event_id="over-refund-1")
NUL_TEXT = sale("S-nul", "rex", 500, event_id="nul-1")
NUL_TEXT["customer"]["first_name"] = "A\x00da"  # PostgreSQL text cannot hold it


@dataclass(frozen=True)
class Outcome:
    """What the DLQ and the balances look like after a mixed stream."""

    letters: dict[str, Any]
    balances: dict[str, tuple[int, int, int, int, int]]
    log: str  # the worker's


@pytest.fixture(scope="module")
def outcome(module_harness: Harness) -> Outcome:
    """One worker fed valid events with five kinds of bad input between them."""
    harness = module_harness
    harness.start_worker()
    before, after = two_tier_events(), [refund("S-1", 2_500, event_id="ok-refund"), sale("S-2", "rex", 5_000)]
    harness.publish(before)
    harness.publish_raw("sales", [MALFORMED, UNKNOWN_TYPE.encode(), json.dumps(NEGATIVE).encode(),
                                  json.dumps(NUL_TEXT).encode()])
    harness.publish([OVER_REFUND, *after])
    harness.wait_until_applied([*before, *after, OVER_REFUND])
    letters = harness.dead_letters(5)
    return Outcome({_header(m, "ledger.reason"): m for m in letters}, balances(harness.settings.database_url or ""),
                   (harness.workdir / "worker-0.log").read_text())


def _header(message: Any, name: str) -> str:
    return dict(message.headers).get(name, b"").decode()


def test_malformed_json_is_dead_lettered_with_its_original_bytes(outcome: Outcome) -> None:
    assert outcome.letters["malformed_json"].value == MALFORMED


def test_unknown_type_is_dead_lettered_with_its_source_position(outcome: Outcome) -> None:
    letter = outcome.letters["unknown_type"]
    assert _header(letter, "ledger.source.topic").endswith("sales")
    assert _header(letter, "ledger.source.offset").isdigit()


def test_text_holding_u0000_is_dead_lettered_as_a_schema_violation(outcome: Outcome) -> None:
    assert _header(outcome.letters["schema_violation"], "ledger.event_id") == "nul-1"


def test_negative_amount_is_dead_lettered_as_invalid_money(outcome: Outcome) -> None:
    assert _header(outcome.letters["invalid_money"], "ledger.event_id") == "negative-1"


def test_refund_above_the_sale_amount_is_dead_lettered_with_the_amounts(outcome: Outcome) -> None:
    assert "above the sale amount 10000" in _header(outcome.letters["over_refund"], "ledger.detail")


def test_valid_events_around_bad_input_are_applied(outcome: Outcome) -> None:
    assert outcome.balances["rex"][1] == 2_000 - 500 + 1_000
    assert outcome.balances["susie"][1] == 500 - 125 + 250


def test_each_dead_letter_is_logged_with_its_reason(outcome: Outcome) -> None:
    logged = [line for line in outcome.log.splitlines() if "dead_lettered" in line]
    assert sorted(r for r in outcome.letters if any(f"reason={r}" in line for line in logged)) == sorted(outcome.letters)


def test_the_dead_letters_log_lines_name_their_source_but_not_their_bytes(outcome: Outcome) -> None:
    line = next(line for line in outcome.log.splitlines() if "reason=over_refund" in line)
    assert "event_id=over-refund-1" in line and "offset=" in line and "Lovelace" not in outcome.log
