"""A milestone bonus is held at most once per partner, milestone and period, whatever the order."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.changes import BonusAwarded, BonusClawedBack
from tests.builders import declined, inbound, joined, program, refund, sale
from tests.core_ledger import CoreLedger

MILESTONES = [
    {"id": "first", "metric": "sales_count", "threshold": 1, "bonus": {"amount": 500, "currency": "USD"}},
    {"id": "three", "metric": "sales_count", "threshold": 3, "period": "month", "clawback": True,
     "bonus": {"amount": 2_000, "currency": "USD"}},
    {"id": "big", "metric": "revenue", "threshold": 50_000, "period": "quarter", "clawback": True,
     "bonus": {"amount": 5_000, "currency": "USD"}},
]


@st.composite
def streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Sales across two months by two partners, with refunds and declines taking some back."""
    events = [program(milestones=MILESTONES, event_id="p"), joined("a", event_id="ja"), joined("b", "a", event_id="jb")]
    for n in range(draw(st.integers(min_value=1, max_value=10))):
        amount = draw(st.integers(min_value=100, max_value=40_000))
        day = draw(st.integers(min_value=2, max_value=28))
        events.append(sale(f"S{n}", draw(st.sampled_from(["a", "b"])), amount, day=day, event_id=f"s{n}"))
        fate = draw(st.sampled_from(["keep", "keep", "refund", "partial", "decline"]))
        if fate == "refund":
            events.append(refund(f"S{n}", amount, day=day + 1, event_id=f"r{n}"))
        elif fate == "partial":
            events.append(refund(f"S{n}", amount // 2 or 1, day=day + 1, event_id=f"r{n}"))
        elif fate == "decline":
            events.append(declined("x", f"S{n}", amount, day=day + 1, event_id=f"d{n}"))
    return events


def _net_bonuses(events: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    ledger = CoreLedger(min_wait_s=300)
    for start in range(0, len(events), 4):
        ledger.apply_batch([inbound(e) for e in events[start:start + 4]])
    net: Counter[tuple[str, str, str]] = Counter()
    for entry in ledger.store.log:
        for change in getattr(entry.decision, "changes", []):
            if isinstance(change, BonusAwarded | BonusClawedBack):
                key = (change.partner_id, change.milestone_id, change.period)
                net[key] += 1 if isinstance(change, BonusAwarded) else -1
    return net


@settings(max_examples=60, deadline=None)
@given(streams(), st.randoms(use_true_random=False))
def test_net_bonus_per_partner_milestone_and_period_is_zero_or_one(
        events: list[dict[str, Any]], rnd: random.Random) -> None:
    shuffled = events + rnd.sample(events, k=min(2, len(events)))
    rnd.shuffle(shuffled)
    assert set(_net_bonuses(shuffled).values()) <= {0, 1}
