"""`ledger dlq`: an operator lists and reads a dead letter, corrects it and replays it, and the ledger applies it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from tests.builders import sale, two_tier_events
from tests.integration.harness import Harness

pytestmark = pytest.mark.integration

NEGATIVE = sale("S-neg", "rex", -500, event_id="negative-1")
MALFORMED = b'{"event_id": "broken", "type": "sale.completed",'
CORRECTED = sale("S-neg", "rex", 500, event_id="negative-1-corrected")


@dataclass(frozen=True)
class Replayed:
    """The DLQ as listed before the replay, the replay's outcome, and the ledger after it."""

    listed: list[dict[str, Any]]
    replay: Any
    harness: Harness


def _letter_id(listed: list[dict[str, Any]], reason: str) -> int:
    return next(int(row["id"]) for row in listed if row["reason"] == reason)


@pytest.fixture(scope="module")
def replayed(module_harness: Harness) -> Replayed:
    """A negative sale and a malformed message dead-lettered; the negative one corrected and replayed."""
    harness = module_harness
    harness.start_worker()
    harness.apply(two_tier_events())
    harness.publish_raw("sales", [json.dumps(NEGATIVE).encode(), MALFORMED])
    harness.dead_letters(2)
    listed = json.loads(harness.ledger("dlq", "list", "--json").stdout)
    corrected = harness.workdir / "corrected.json"
    corrected.write_text(json.dumps(CORRECTED, indent=2))
    negative = next(row for row in listed if row["event_id"] == "negative-1")
    replay = harness.ledger("dlq", "replay", str(negative["id"]), "--file", str(corrected))
    if replay.returncode == 0:
        harness.wait_until_applied([CORRECTED])
    return Replayed(listed, replay, harness)


def test_dlq_list_shows_each_dead_letter_with_its_reason_and_source(replayed: Replayed) -> None:
    negative = next(row for row in replayed.listed if row["event_id"] == "negative-1")
    assert negative["source_topic"].endswith("sales") and negative["source_offset"] >= 0
    assert negative["reason"] and negative["rejected_at"] and len(replayed.listed) == 2


def test_dlq_list_filters_by_reason(replayed: Replayed) -> None:
    only = json.loads(replayed.harness.ledger("dlq", "list", "--reason", "malformed_json", "--json").stdout)
    assert [row["reason"] for row in only] == ["malformed_json"]


def test_dlq_show_prints_the_rejected_message_as_text(replayed: Replayed) -> None:
    shown = replayed.harness.ledger("dlq", "show", str(_letter_id(replayed.listed, "malformed_json")))
    assert shown.returncode == 0, shown.stderr
    assert MALFORMED.decode() in shown.stdout and "malformed_json" in shown.stdout


def test_dlq_show_of_an_unknown_id_says_how_to_list_them(replayed: Replayed) -> None:
    shown = replayed.harness.ledger("dlq", "show", "999999")
    assert shown.returncode == 1 and "ledger dlq list" in shown.stderr


def test_a_replayed_correction_is_applied_as_a_new_sale(replayed: Replayed) -> None:
    assert replayed.replay.returncode == 0, replayed.replay.stderr
    with psycopg.connect(replayed.harness.settings.database_url or "") as conn:
        row = conn.execute("SELECT amount FROM projections.sales WHERE sale_id = 'S-neg'").fetchone()
    assert row is not None and int(row[0]) == 500


def test_a_replay_leaves_the_dead_letter_in_place(replayed: Replayed) -> None:
    after = json.loads(replayed.harness.ledger("dlq", "list", "--json").stdout)
    assert [row["id"] for row in after] == [row["id"] for row in replayed.listed]
