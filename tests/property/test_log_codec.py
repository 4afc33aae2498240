"""The log codec keeps every decision as decided: what is read back is what was written."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.messages import Entry
from ledger.store import codec
from tests.builders import inbound
from tests.core_ledger import CoreLedger
from tests.property.test_core_replay import streams


def _decided(events: list[dict[str, Any]]) -> list[Entry]:
    ledger = CoreLedger(min_wait_s=300)
    found: list[Entry] = []
    original = ledger.store.write

    def keep(batch: Any) -> None:
        found.extend(batch.entries)
        original(batch)
    ledger.store.write = keep  # type: ignore[method-assign]
    ledger.apply_batch([inbound(e) for e in events])
    return found


@settings(max_examples=60, deadline=None)
@given(streams(), st.randoms(use_true_random=False))
def test_every_entry_reads_back_as_decided(events: list[dict[str, Any]], rnd: random.Random) -> None:
    rnd.shuffle(events)
    for entry in _decided(events):
        record = codec.decode(codec.encode(entry, 7))
        decision = codec.decision_of(record)
        assert (record.key, record.version, record.type, record.status, record.at_us) == (
            entry.key, entry.version, entry.type, entry.status, entry.at_us)
        if entry.status == "applied":  # notices and releases were acted on when decided: not kept
            assert (decision.changes, decision.postings) == (entry.decision.changes, entry.decision.postings)
        else:
            assert decision == entry.decision
