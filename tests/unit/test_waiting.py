"""Parked events are due once past the grace in event time and after the minimum wait in wall-clock time."""

from __future__ import annotations

import json

from ledger.core.waiting import Waiter, Waiting
from ledger.writer import received
from tests.builders import refund


def _parked(waiting: Waiting, event_id: str, at_us: int, parked_wall_us: int) -> Waiter:
    event = received(json.dumps(refund("S-1", 100, event_id=event_id)).encode()).event
    waiter = Waiter(event, b"", None, b"", at_us, parked_wall_us)
    waiter.waiting_for = "sale:S-1"
    waiting.park(waiter)
    return waiter


def test_an_event_past_the_grace_waits_until_it_has_waited_long_enough() -> None:
    waiting = Waiting()
    _parked(waiting, "r1", at_us=10, parked_wall_us=1_000)
    assert waiting.due(cutoff_us=50, parked_before_wall_us=500) == []
    assert [w.event.event_id for w in waiting.due(cutoff_us=50, parked_before_wall_us=1_000)] == ["r1"]


def test_a_released_event_is_never_due() -> None:
    waiting = Waiting()
    waiter = _parked(waiting, "r1", at_us=10, parked_wall_us=0)
    waiting.unpark(waiter)
    assert waiting.due(cutoff_us=50, parked_before_wall_us=1_000) == []


def test_an_event_is_due_only_while_it_is_past_the_grace() -> None:
    waiting = Waiting()
    _parked(waiting, "r1", at_us=10, parked_wall_us=1_000)
    waiting.due(cutoff_us=50, parked_before_wall_us=0)  # past the grace, not waited long enough
    assert waiting.due(cutoff_us=5, parked_before_wall_us=2_000) == []  # the clock went back
    assert [w.event.event_id for w in waiting.due(cutoff_us=50, parked_before_wall_us=2_000)] == ["r1"]
