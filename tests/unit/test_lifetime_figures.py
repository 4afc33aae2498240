"""Lifetime earned and reversed are the same whatever order the same events arrive in."""

from __future__ import annotations

from typing import Any

from tests.builders import inbound, joined, program, refund, sale
from tests.core_ledger import CoreLedger, lifetime_report

TWO_SALES = {"id": "two", "metric": "sales_count", "threshold": 2, "period": "lifetime",
             "bonus": {"amount": 5_000, "currency": "USD"}, "clawback": True}


def _report(*batches: list[dict[str, Any]]) -> dict[tuple[str, str], list[int]]:
    ledger = CoreLedger()
    for batch in batches:
        ledger.apply_batch([inbound(e) for e in batch])
    return lifetime_report(ledger)


def test_a_bonus_won_then_clawed_back_reports_as_one_never_won() -> None:
    report = _report
    setup = [program(tiers=("0.10",), milestones=[TWO_SALES], event_id="p"), joined("rex", event_id="j")]
    s1, s2 = sale("S-1", "rex", 10_000, event_id="s1"), sale("S-2", "rex", 10_000, day=3, event_id="s2")
    r1 = refund("S-1", 10_000, day=4, event_id="r1")
    won_then_lost = report(setup, [s1], [s2], [r1])
    never_won = report(setup, [s1], [r1], [s2])
    assert won_then_lost == never_won
