"""Paging sales out of memory never changes a decision: the same stream leaves the same log either way."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.decision import Applied
from tests.builders import inbound
from tests.core_ledger import CoreLedger
from tests.property.test_core_replay import streams


def _log(events: list[dict[str, Any]], size: int, **paging: int) -> list[tuple[Any, ...]]:
    ledger = CoreLedger(min_wait_s=300, **paging)
    for start in range(0, len(events), size):
        ledger.apply_batch([inbound(e) for e in events[start:start + size]])
    return [(e.key, e.version, e.status, sorted(map(tuple, e.decision.postings)) if isinstance(e.decision, Applied)
             else e.decision) for e in ledger.store.log]


@settings(max_examples=25, deadline=None)  # every example snapshots its state several times
@given(streams(), st.randoms(use_true_random=False), st.integers(min_value=2, max_value=6),
       st.sampled_from([0, 1, 3]))
def test_a_ledger_that_pages_sales_out_decides_as_one_that_keeps_them(
        events: list[dict[str, Any]], rnd: random.Random, every: int, hot_sales: int) -> None:
    rnd.shuffle(events)
    size = rnd.randint(1, 6)
    kept = _log(events, size)
    assert _log(events, size, snapshot_every=every, hot_sales=hot_sales) == kept
