"""Payouts funded in event-time order are never refused, whatever order the topics are read in."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.rules.payouts import AvailableHistory
from ledger.rules.periods import DAY_US
from tests.builders import inbound, joined, payout, program, refund, sale
from tests.core_ledger import CoreLedger

PARTNERS = ("rex", "susie")
Topics = dict[str, list[dict[str, Any]]]


@st.composite
def funded_histories(draw: st.DrawFn) -> Topics:
    """Sales, refunds and payouts by topic, each in event-time order; every payout was funded when sent."""
    topics: Topics = {"sales": [], "refunds": [], "payouts": []}
    open_sales: list[tuple[str, str, int]] = []
    floor = dict.fromkeys(PARTNERS, 0)  # level-1 commission of open sales, less what was paid out
    for n in range(draw(st.integers(min_value=1, max_value=30))):
        step = draw(st.sampled_from(["sale", "sale", "refund", "payout"]))
        day = 2 + n
        if step == "refund" and open_sales:
            sale_id, partner_id, amount = open_sales.pop(draw(st.integers(0, len(open_sales) - 1)))
            floor[partner_id] += amount // -5  # all of its commission, rounded up
            part = draw(st.integers(min_value=1, max_value=amount))
            topics["refunds"].append(refund(sale_id, part, day=day, event_id=f"r{n}"))
        elif step == "payout" and max(floor.values()) > 0:
            partner_id = draw(st.sampled_from([p for p in PARTNERS if floor[p] > 0]))
            amount = draw(st.integers(min_value=1, max_value=floor[partner_id]))
            floor[partner_id] -= amount
            topics["payouts"].append(payout(partner_id, amount, day=day, event_id=f"p{n}"))
        else:
            partner_id, amount = draw(st.sampled_from(PARTNERS)), draw(st.integers(min_value=5, max_value=100_000))
            open_sales.append((f"S{n}", partner_id, amount))
            floor[partner_id] += amount // 5
            topics["sales"].append(sale(f"S{n}", partner_id, amount, day=day, event_id=f"s{n}"))
    return topics


def _interleave(topics: Topics, picks: list[int]) -> list[dict[str, Any]]:
    """One arrival order: each topic stays in its own order, as a partition does."""
    queues = [list(reversed(events)) for events in topics.values() if events]
    order = []
    for pick in picks:
        queues = [q for q in queues if q]
        if not queues:
            break
        order.append(queues[pick % len(queues)].pop())
    return order + [e for q in queues for e in reversed(q)]


@settings(max_examples=150, deadline=None)
@given(funded_histories(), st.lists(st.integers(0, 2), max_size=90), st.integers(min_value=1, max_value=8))
def test_no_payout_funded_in_event_time_is_refused_in_any_arrival_order(
        topics: Topics, picks: list[int], batch: int) -> None:
    app = CoreLedger()
    app.writer.grace_us = 3650 * 86_400_000_000
    app.apply_batch([inbound(e) for e in (program(event_id="prog"), joined("rex", event_id="j-rex"),
                                          joined("susie", "rex", event_id="j-susie"))])
    arrivals = _interleave(topics, picks)
    refused = []
    for start in range(0, len(arrivals), batch):
        refused += app.apply_batch([inbound(e) for e in arrivals[start:start + batch]]).dead_letters
    paid = {p: app.balance(p, "USD", "paid") for p in PARTNERS}
    expected = {p: sum(e["amount"]["amount"] for e in topics["payouts"] if e["partner_id"] == p) for p in PARTNERS}
    assert (refused, paid) == ([], expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["record", "record", "fold", "ask", "ask"]), st.integers(0, 200),
                          st.integers(-500, 500)),
                max_size=60))
def test_what_available_history_leaves_out_equals_a_fresh_sum_of_its_moves(
        steps: list[tuple[str, int, int]]) -> None:
    history = AvailableHistory()
    for step, hours, amount in steps:
        at_us = hours * DAY_US // 24
        if step == "record":
            history.record(at_us, amount)
        elif step == "fold":
            history.fold(at_us)
        else:
            fresh = sum(a for t, a in zip(history.at, history.amounts, strict=True) if t > at_us)
            assert history.dated_after(at_us) == fresh
