"""Events on the real broker, decided by the real worker, read back from real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from tests.builders import declined, joined, program, refund, sale, two_tier_events
from tests.integration.harness import Harness, balances

pytestmark = pytest.mark.integration


def test_two_tier_sale_pays_seller_twenty_and_recruiter_five_percent(harness: Harness) -> None:
    events = two_tier_events()
    harness.start_worker()
    harness.apply(events)
    found = balances(harness.settings.database_url or "")
    assert found["rex"] == (0, 2_000, 0, 2_000, 0)
    assert found["susie"] == (0, 500, 0, 500, 0)


def test_partial_then_full_refund_nets_every_line_to_zero(harness: Harness) -> None:
    partial = [*two_tier_events(), refund("S-1", 2_500, day=3)]
    rest = [refund("S-1", 7_500, day=4)]
    harness.start_worker()
    harness.apply(partial)
    assert balances(harness.settings.database_url or "")["rex"][1] == 1_500
    harness.apply(rest)
    found = balances(harness.settings.database_url or "")
    assert found["rex"] == (0, 0, 0, 2_000, 2_000)
    assert found["susie"] == (0, 0, 0, 500, 500)


def test_decline_of_a_recorded_sale_reverses_its_commission(harness: Harness) -> None:
    first = two_tier_events()
    decline = [declined("rex", "S-1", 10_000, day=5)]
    harness.start_worker()
    harness.apply(first)
    harness.apply(decline)
    found = balances(harness.settings.database_url or "")
    assert found["rex"][1] == 0 and found["susie"][1] == 0


def test_events_published_in_reverse_order_across_topics_give_the_same_balances(harness: Harness) -> None:
    events = [program(), joined("susie"), joined("rex", "susie"), sale("S-1", "rex", 10_000), refund("S-1", 2_500)]
    harness.start_worker()
    harness.publish(list(reversed(events)))
    harness.wait_until_applied(events)
    found = balances(harness.settings.database_url or "")
    assert (found["rex"][1], found["susie"][1]) == (1_500, 375)


def test_the_worker_records_each_partition_read_to_its_end_with_no_backlog(harness: Harness) -> None:
    harness.start_worker()
    harness.apply(two_tier_events())
    with psycopg.connect(harness.settings.database_url or "", autocommit=True) as conn:
        marks = conn.execute("SELECT topic, backlog, event_time IS NOT NULL FROM ledger.source_positions").fetchall()
    assert {topic.removeprefix(harness.settings.topic_prefix) for topic, _, _ in marks} == {"programs", "partners",
                                                                                            "sales"}
    assert all(backlog == 0 and timed for _, backlog, timed in marks)
