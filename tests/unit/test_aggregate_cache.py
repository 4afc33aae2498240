"""Batches change the cached aggregates in place; a batch that fails must leave no trace in them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError

from ledger.application import LedgerApp
from ledger.partner import Partner
from tests.builders import inbound, refund, sale, two_tier_events
from tests.core_ledger import CoreLedger
from tests.unit.conftest import AnyLedger, Apply, Balance


@pytest.fixture
def fails_once(ledger: AnyLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next save fails as if the database went away mid-commit."""
    if isinstance(ledger, CoreLedger):
        ledger.store.fail_next = OperationalError("connection lost")
        return
    insert = ledger.recorder.insert_events

    def failing(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(ledger.recorder, "insert_events", insert)
        raise OperationalError("connection lost")
    monkeypatch.setattr(ledger.recorder, "insert_events", failing)


@pytest.fixture
def two_tier(apply: Apply) -> None:
    """Susie recruited Rex; Rex has sold 100.00 (Rex 20.00, Susie 5.00 available)."""
    apply(*two_tier_events())


def test_a_sale_whose_save_failed_is_credited_once_when_applied_again(two_tier: None, fails_once: None,
                                                                        apply: Apply, balance: Balance) -> None:
    with pytest.raises(OperationalError):
        apply(sale("S-2", "rex", 10_000, event_id="s-2"))
    apply(sale("S-2", "rex", 10_000, event_id="s-2"))
    assert (balance("rex"), balance("susie")) == (4_000, 1_000)


def test_a_refund_whose_save_failed_reverses_once_when_applied_again(two_tier: None, fails_once: None,
                                                                       apply: Apply, balance: Balance) -> None:
    with pytest.raises(OperationalError):
        apply(refund("S-1", 5_000, event_id="r-1"))
    apply(refund("S-1", 5_000, event_id="r-1"))
    assert (balance("rex"), balance("susie")) == (1_000, 250)


def test_a_flood_of_sales_does_not_evict_the_partners_every_batch_reads() -> None:
    ledger = LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "AGGREGATE_CACHE_MAXSIZE": "5"})
    ledger.apply_batch([inbound(e) for e in two_tier_events()])
    ledger.apply_batch([inbound(sale(f"S-{n}", "rex", 1_000, day=3)) for n in range(2, 12)])
    assert ledger.aggregates.peek(Partner.create_id("susie")) is not None


def test_a_repeated_message_loads_none_of_the_aggregates_it_names(
        ledger: AnyLedger, apply: Apply, two_tier: None, monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(ledger, CoreLedger):
        logged = len(ledger.store.log)
        result = apply(*two_tier_events())
        assert (result.duplicates, len(ledger.store.log)) == (len(two_tier_events()), logged)
        return
    asked: list[UUID] = []
    prefetch = ledger.aggregates.prefetch

    def spy(ids: Iterable[UUID]) -> None:
        wanted = list(ids)
        asked.extend(wanted)
        prefetch(wanted)
    monkeypatch.setattr(ledger.aggregates, "prefetch", spy)
    result = apply(*two_tier_events())
    assert (result.duplicates, asked) == (len(two_tier_events()), [])
