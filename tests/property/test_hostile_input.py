"""Fuzzing the door: any bytes, parsed and decided, end in an outcome, never in an exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.writer import received
from schemas.parsing import Invalid, parse_event
from tests.builders import declined, joined, payout, program, refund, sale
from tests.core_ledger import CoreLedger

VALID = [program(event_id="p"), joined("rex", event_id="j"), sale("S-1", "rex", 1_000, event_id="s"),
         refund("S-1", 100, event_id="r"), declined("rex", "S-1", 1_000, event_id="d"),
         payout("rex", 10, event_id="o")]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats()
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)


@st.composite
def mutated_events(draw: st.DrawFn) -> bytes:
    """A valid event with one field replaced by any JSON value, or deleted."""
    event: dict[str, Any] = json.loads(json.dumps(draw(st.sampled_from(VALID))))
    field = draw(st.sampled_from(sorted(event)))
    if draw(st.booleans()):
        del event[field]
    else:
        event[field] = draw(json_values)
    return json.dumps(event, allow_nan=True).encode()


def _decide(ledger: CoreLedger, raws: list[bytes]) -> None:
    result = ledger.apply_batch([received(raw) for raw in raws])
    decided = result.applied + result.duplicates + result.parked + len(result.dead_letters)
    assert decided >= len(raws) - result.duplicates


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_parse_to_an_event_or_a_reason(raw: bytes) -> None:
    parsed = parse_event(raw)
    assert isinstance(parsed, Invalid) or parsed.event_id


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated_events(), min_size=1, max_size=6))
def test_mutated_events_are_decided_without_raising(raws: list[bytes]) -> None:
    ledger = CoreLedger()
    _decide(ledger, [json.dumps(e).encode() for e in VALID[:3]])
    _decide(ledger, raws)
