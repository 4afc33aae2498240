"""Ledger-wide invariants over generated recruitment trees and event streams."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.decision import Applied
from ledger.rules.postings import account_balances
from tests.builders import inbound, joined, program, refund, sale
from tests.core_ledger import CoreLedger

RATES = ("0.20", "0.05", "0.02")


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A program, a recruitment tree, sales and refunds that never exceed their sale."""
    levels = draw(st.integers(min_value=1, max_value=3))
    size = draw(st.integers(min_value=1, max_value=6))
    events = [program(tiers=RATES[:levels], event_id="p")]
    if draw(st.booleans()):  # a second version of the terms, from a drawn day on
        later = tuple(draw(st.sampled_from(["0.10", "0.30", "0.50"])) for _ in range(levels))
        events.append(program(tiers=later, day=draw(st.integers(min_value=2, max_value=4)), event_id="p2"))
    for i in range(size):
        recruiter = draw(st.sampled_from([None, *[f"p{j}" for j in range(i)]]))
        events.append(joined(f"p{i}", recruiter, event_id=f"j{i}"))
    for s in range(draw(st.integers(min_value=1, max_value=6))):
        amount = draw(st.integers(min_value=1, max_value=100_000))
        day = draw(st.integers(min_value=2, max_value=5))
        events.append(sale(f"S{s}", f"p{draw(st.integers(0, size - 1))}", amount, day=day, event_id=f"s{s}"))
        left = amount
        for r in range(draw(st.integers(min_value=0, max_value=3))):
            part = draw(st.integers(min_value=1, max_value=left)) if left else 0
            if part:
                events.append(refund(f"S{s}", part, day=6, event_id=f"r{s}-{r}"))
                left -= part
    return events


def _apply(events: list[dict[str, Any]], batch: int = 3) -> CoreLedger:
    app = CoreLedger(min_wait_s=300)
    for start in range(0, len(events), batch):
        app.apply_batch([inbound(e) for e in events[start:start + batch]])
    return app


def _balances(app: CoreLedger, events: list[dict[str, Any]]) -> dict[str, dict[str, list[int]]]:
    """Each partner's balances; a currency whose every bucket is zero is the same as none."""
    ids = [e["partner_id"] for e in events if e["type"] == "partner.joined"]
    return {p: {currency: buckets for currency, buckets in app.writer.state.partners[p].balances.items()
                if any(buckets)} for p in ids}


def _postings(app: CoreLedger) -> list[list[Any]]:
    return [e.decision.postings for e in app.store.log if isinstance(e.decision, Applied)]


def _lines(app: CoreLedger, sale_id: str) -> list[tuple[int, int]]:
    """(earned, reversed) of each commission line of a sale."""
    return [(line.amount, line.reversed) for line in app.writer.state.sales[sale_id].lines]


@settings(max_examples=60, deadline=None)
@given(histories())
def test_every_transaction_balances_to_zero_per_currency(events: list[dict[str, Any]]) -> None:
    for postings in _postings(_apply(events)):
        totals: dict[str, int] = {}
        for (_, currency), amount in account_balances(postings).items():
            totals[currency] = totals.get(currency, 0) + amount
        assert set(totals.values()) <= {0}


@settings(max_examples=60, deadline=None)
@given(histories())
def test_reversed_never_exceeds_earned_on_any_line(events: list[dict[str, Any]]) -> None:
    app = _apply(events)
    for e in events:
        if e["type"] == "sale.completed":
            for amount, reversed_ in _lines(app, e["sale_id"]):
                assert 0 <= reversed_ <= amount


@settings(max_examples=60, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_any_arrival_order_with_duplicates_gives_the_same_balances(events: list[dict[str, Any]],
                                                                  rnd: random.Random) -> None:
    shuffled = events + rnd.sample(events, k=min(3, len(events)))
    rnd.shuffle(shuffled)
    assert _balances(_apply(shuffled, batch=rnd.randint(1, 5)), events) == _balances(_apply(events), events)


@settings(max_examples=40, deadline=None)
@given(histories())
def test_fully_refunded_sales_net_to_zero_on_every_line(events: list[dict[str, Any]]) -> None:
    refunded: dict[str, int] = {}
    amounts = {e["sale_id"]: e["amount"]["amount"] for e in events if e["type"] == "sale.completed"}
    for e in events:
        if e["type"] == "refund.issued":
            refunded[e["sale_id"]] = refunded.get(e["sale_id"], 0) + e["amount"]["amount"]
    app = _apply(events)
    for sale_id, amount in amounts.items():
        if refunded.get(sale_id) == amount:
            assert all(reversed_ == earned for earned, reversed_ in _lines(app, sale_id))
