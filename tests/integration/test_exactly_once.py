"""Redelivery, producer duplicates and worker crashes never change a balance."""

from __future__ import annotations

import random
from typing import Any

import psycopg
import pytest

from ledger.rules.money import commission, rate_of
from tests.builders import joined, program, refund, sale, two_tier_events
from tests.integration.harness import Harness, balances, wait_for
from tests.reference import generate

pytestmark = pytest.mark.integration
PARTNERS = 8


def _stream(sales: int, seed: int = 7) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A chain p0 ← p1 ← … of recruits, many sales and some refunds; and each partner's expected net."""
    rnd = random.Random(seed)
    events = [program(event_id="prog"), *[joined(f"p{i}", f"p{i - 1}" if i else None, event_id=f"join-{i}")
                                          for i in range(PARTNERS)]]
    expected = {f"p{i}": 0 for i in range(PARTNERS)}
    for n in range(sales):
        seller, amount = rnd.randrange(PARTNERS), rnd.randrange(100, 50_000)
        refunded = amount if n % 10 == 0 else 0
        events.append(sale(f"S{n}", f"p{seller}", amount, event_id=f"sale-{n}"))
        if refunded:
            events.append(refund(f"S{n}", refunded, event_id=f"refund-{n}"))
            continue
        expected[f"p{seller}"] += commission(amount, rate_of("0.20"))
        if seller:
            expected[f"p{seller - 1}"] += commission(amount, rate_of("0.05"))
    return events, expected


def _available(harness: Harness) -> dict[str, int]:
    return {p: row[1] for p, row in balances(harness.settings.database_url or "").items()}


def test_the_same_events_published_twice_leave_every_balance_unchanged(harness: Harness) -> None:
    events = [*two_tier_events(), refund("S-1", 2_500)]
    harness.start_worker()
    harness.publish(events)
    harness.apply(events)
    found = balances(harness.settings.database_url or "")
    assert (found["rex"][1], found["susie"][1]) == (1_500, 375)


def test_a_worker_killed_mid_stream_and_restarted_applies_every_event_exactly_once(harness: Harness) -> None:
    events, expected = _stream(sales=1_500)
    worker = harness.start_worker()
    harness.publish(events)
    with psycopg.connect(harness.settings.database_url or "", autocommit=True) as conn:
        wait_for(lambda: harness.check_workers() and _inbox_count(conn) > 100, "the worker to apply some events")
    harness.stop_worker(worker, hard=True)
    harness.start_worker()
    harness.publish(events[:300])  # and a producer retrying part of the stream
    harness.wait_until_applied(events)
    assert _available(harness) == {p: v for p, v in expected.items() if v}


def test_a_clean_restart_resumes_without_reapplying(harness: Harness) -> None:
    first, second = two_tier_events(), [sale("S-2", "rex", 5_000, day=6)]
    worker = harness.start_worker()
    harness.apply(first)
    harness.stop_worker(worker)
    harness.start_worker()
    harness.apply(second)
    found = balances(harness.settings.database_url or "")
    assert (found["rex"][1], found["susie"][1]) == (3_000, 750)


def _inbox_count(conn: psycopg.Connection[Any]) -> int:
    try:
        row = conn.execute("SELECT count(*) FROM ledger.entries WHERE originator_version = 1 "
                           "AND topic NOT LIKE 'commission.matured:%'").fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row else 0


def test_a_standby_takes_over_when_the_writer_is_killed_mid_stream(harness: Harness) -> None:
    stream = generate(sales=1_500, partners=20, seed=71)
    first = harness.start_worker()
    harness.wait_for_writer()
    second = harness.start_worker()
    harness.publish(stream.events[:900])
    writer = harness.writer_process([first, second])
    wait_for(lambda: harness.decided() >= 200, "the writer to decide part of the stream")
    harness.stop_worker(writer, hard=True)
    harness.publish(stream.events[900:])
    harness.wait_until_applied(stream.events)
    assert (harness.report(), harness.dead_letter_reasons()) == (stream.expected.balances,
                                                                 stream.expected.dead_letters)
