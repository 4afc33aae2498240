"""A snapshot and the log after it rebuild the same state as the whole log; a snapshot runs no code."""

from __future__ import annotations

import os
import pickle
import random
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.store import snapshot
from ledger.writer import LedgerWriter
from tests.builders import inbound
from tests.core_ledger import CoreLedger
from tests.property.test_core_replay import fingerprint, streams


@settings(max_examples=60, deadline=None)
@given(streams(), st.randoms(use_true_random=False), st.integers(min_value=1, max_value=12),
       st.sampled_from([0, 2, 100_000]))
def test_a_snapshot_and_the_log_after_it_rebuild_the_state_decided_with(
        events: list[dict[str, Any]], rnd: random.Random, every: int, hot_sales: int) -> None:
    rnd.shuffle(events)
    ledger = CoreLedger(min_wait_s=300, snapshot_every=every, hot_sales=hot_sales)
    size = rnd.randint(1, 6)
    for start in range(0, len(events), size):
        ledger.apply_batch([inbound(e) for e in events[start:start + size]])
    replayed = LedgerWriter(ledger.store)
    assert fingerprint(replayed.state, replayed.waiting) == fingerprint(ledger.writer.state, ledger.writer.waiting)


class _RunsCode:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("true",))


def test_a_snapshot_that_would_run_code_is_refused() -> None:
    with pytest.raises(pickle.UnpicklingError, match="may not hold"):
        snapshot.load(zlib.compress(pickle.dumps((snapshot.FORMAT, _RunsCode()))))


def test_a_snapshot_of_another_format_is_ignored() -> None:
    assert snapshot.load(zlib.compress(pickle.dumps((snapshot.FORMAT + 1, None, None, None, None)))) is None
