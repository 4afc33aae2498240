"""The same event_id with a different body is refused as a reuse; a true repeat stays a silent duplicate."""

from __future__ import annotations

import json

from ledger.core.messages import Source
from ledger.writer import received
from schemas import Reason
from tests.builders import inbound, joined, program, sale
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply, Balance


def test_an_event_id_reused_for_another_sale_is_dead_lettered_as_reused(apply: Apply) -> None:
    apply(program(tiers=("0.20",)), joined("rex"), sale("S-1", "rex", 10_000, event_id="e-1"))
    result = apply(sale("S-2", "rex", 50_000, event_id="e-1"))
    assert [d.reason for d in result.dead_letters] == [Reason.EVENT_ID_REUSED]


def test_the_reuse_is_not_applied_and_the_first_event_stands(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.20",)), joined("rex"), sale("S-1", "rex", 10_000, event_id="e-1"))
    apply(sale("S-2", "rex", 50_000, event_id="e-1"))
    assert balance("rex") == 2_000


def test_the_reuse_names_where_the_first_event_was_read(ledger: CoreLedger, apply: Apply) -> None:
    apply(program(tiers=("0.20",)), joined("rex"))
    first = sale("S-1", "rex", 10_000, event_id="e-1")
    ledger.apply_batch([received(json.dumps(first).encode(), Source("sales", 3, 41))])
    result = apply(sale("S-2", "rex", 50_000, event_id="e-1"))
    assert "sales[3]@41" in result.dead_letters[0].detail


def test_a_reuse_within_one_batch_is_refused_too(apply: Apply) -> None:
    result = apply(program(tiers=("0.20",)), joined("rex"), sale("S-1", "rex", 10_000, event_id="e-1"),
                   sale("S-1", "rex", 99_999, event_id="e-1"))
    assert (result.applied, [d.reason for d in result.dead_letters]) == (3, [Reason.EVENT_ID_REUSED])


def test_a_repeat_serialised_differently_is_a_silent_duplicate(apply: Apply, ledger: CoreLedger) -> None:
    event = sale("S-1", "rex", 10_000, event_id="e-1")
    apply(program(tiers=("0.20",)), joined("rex"), event)
    shuffled = dict(reversed(list(event.items())))
    result = ledger.apply_batch([received(json.dumps(shuffled, indent=2).encode())])
    assert (result.duplicates, result.dead_letters) == (1, [])


def test_a_repeat_with_the_same_time_in_another_offset_is_a_duplicate(apply: Apply) -> None:
    event = sale("S-1", "rex", 10_000, event_id="e-1") | {"occurred_at": "2026-03-02T12:00:00+00:00"}
    apply(program(tiers=("0.20",)), joined("rex"), event)
    result = apply(event | {"occurred_at": "2026-03-02T14:00:00+02:00"})
    assert (result.duplicates, result.dead_letters) == (1, [])


def test_a_plain_redelivery_is_a_duplicate(apply: Apply) -> None:
    event = sale("S-1", "rex", 10_000, event_id="e-1")
    apply(program(tiers=("0.20",)), joined("rex"), event)
    assert inbound(event) and apply(event).duplicates == 1
