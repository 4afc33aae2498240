"""A hostile corpus interleaved with valid events: each bad message in the DLQ with its reason, the rest applied."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.harness import Harness
from tests.reference import Stream, generate, hostile_messages

pytestmark = pytest.mark.integration
HUGE = b'{"event_id": "huge", "pad": "' + b"x" * (10 * 1024 * 1024) + b'"}'  # the broker takes it; Kafka's DLQ would not


@dataclass(frozen=True)
class Outcome:
    """The stream, what the ledger recorded, and what reached the DLQ topic."""

    stream: Stream
    harness: Harness
    letters: list[Any]
    worker_rss_mb: float


def _rss_mb(pid: int) -> float:
    for row in open(f"/proc/{pid}/status").read().splitlines():  # noqa: SIM115 - a proc file, read at once
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def outcome(module_harness: Harness) -> Outcome:
    """One worker fed a valid stream with every kind of bad input between its chunks."""
    harness, stream = module_harness, generate(sales=600, partners=10, seed=51)
    worker = harness.start_worker()
    hostile = [*hostile_messages(), ("sales", HUGE, "message_too_large")]
    chunk = len(stream.events) // len(hostile) + 1
    for number, (topic, value, _) in enumerate(hostile):
        harness.publish(stream.events[number * chunk:(number + 1) * chunk])
        harness.publish_raw(topic, [value])
    harness.publish(stream.events[len(hostile) * chunk:])
    harness.wait_until_applied(stream.events)
    reused = next(e for e in stream.events if e["type"] == "sale.completed") | {"sale_id": "other"}
    harness.publish([reused])  # the same event_id, another body
    expected = len(hostile) + sum(stream.expected.dead_letters.values()) + 1
    letters = harness.dead_letters(expected)
    return Outcome(stream, harness, letters, _rss_mb(worker.pid))


def _headers(message: Any) -> dict[str, str]:
    return {k: v.decode() for k, v in message.headers}


def test_every_bad_message_is_dead_lettered_with_its_own_reason(outcome: Outcome) -> None:
    reasons = Counter(reason for _, _, reason in [*hostile_messages(), ("sales", HUGE, "message_too_large")])
    expected = reasons + outcome.stream.expected.dead_letters + Counter({"event_id_reused": 1})
    assert outcome.harness.dead_letter_reasons() == expected


def test_every_valid_event_around_them_is_applied_as_the_model_expects(outcome: Outcome) -> None:
    assert outcome.harness.report() == outcome.stream.expected.balances


def test_a_dead_letter_too_large_for_the_broker_keeps_its_size_and_digest(outcome: Outcome) -> None:
    [huge] = [m for m in outcome.letters if _headers(m).get("ledger.payload_size") == str(len(HUGE))]
    headers = _headers(huge)
    assert (headers["ledger.reason"], headers["ledger.payload_omitted"], huge.value) == (
        "message_too_large", "true", b"")
    assert headers["ledger.payload_sha256"] == hashlib.sha256(HUGE).hexdigest()


def test_the_dead_letter_table_keeps_the_bytes_the_dlq_could_not_carry(outcome: Outcome) -> None:
    import psycopg
    with psycopg.connect(outcome.harness.settings.database_url or "", autocommit=True) as conn:
        row = conn.execute("SELECT length(payload) FROM ledger.dead_letters WHERE reason = 'message_too_large' "
                           "ORDER BY length(payload) DESC LIMIT 1").fetchone()
    assert row == (len(HUGE),)


def test_a_reused_event_id_names_where_the_first_was_read(outcome: Outcome) -> None:
    [reused] = [m for m in outcome.letters if _headers(m)["ledger.reason"] == "event_id_reused"]
    assert "first read from" in _headers(reused)["ledger.detail"]


def test_the_worker_stays_within_its_memory_bound(outcome: Outcome) -> None:
    assert 0 < outcome.worker_rss_mb < 600


def test_the_dlq_carries_each_original_message_that_fits(outcome: Outcome) -> None:
    values = {m.value for m in outcome.letters}
    assert all(value in values for _, value, _ in hostile_messages())


def test_the_reused_message_is_valid_json_with_the_first_events_id(outcome: Outcome) -> None:
    [reused] = [m for m in outcome.letters if _headers(m)["ledger.reason"] == "event_id_reused"]
    assert json.loads(reused.value)["event_id"] == _headers(reused)["ledger.event_id"]
