"""The ledger's core against the reference model: any order, any batching, the same money."""

from __future__ import annotations

import json
import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import inbound
from tests.core_ledger import CoreLedger, lifetime_report
from tests.reference import Expected, generate


def _decide(events: list[dict[str, object]], batch: int, hot_sales: int = 100_000) -> Expected:
    # Paging sales out happens with each snapshot: with few kept, most decisions page a sale back in.
    ledger = CoreLedger(min_wait_s=300, snapshot_every=7 if hot_sales < 100 else 100_000, hot_sales=hot_sales)
    reasons: Counter[str] = Counter()
    for start in range(0, len(events), batch):
        result = ledger.apply_batch([inbound(e) for e in events[start:start + batch]])
        reasons.update(d.reason.value for d in result.dead_letters)
    balances = {partner: (pending + available, paid, earned, reversed_) for (partner, _), (
        pending, available, paid, earned, reversed_) in lifetime_report(ledger).items() if earned}
    return Expected(balances, reasons)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000), batch=st.integers(min_value=1, max_value=80),
       shuffled=st.booleans(), hot_sales=st.sampled_from([100_000, 0, 5]))
def test_the_ledger_leaves_what_the_reference_model_expects(seed: int, batch: int, shuffled: bool,
                                                            hot_sales: int) -> None:
    stream = generate(sales=40, partners=6, seed=seed)
    events = list(stream.events)
    if shuffled:
        random.Random(seed).shuffle(events)
    found = _decide(events, batch, hot_sales)
    assert (found.balances, found.dead_letters) == (stream.expected.balances, stream.expected.dead_letters)


def test_a_stream_delivered_twice_leaves_the_same_money() -> None:
    stream = generate(sales=80, partners=6, seed=3)
    found = _decide([*stream.events, *json.loads(json.dumps(stream.events))], 50)
    assert found.balances == stream.expected.balances
