"""Sales paged out of the writer's memory with each snapshot are decided on as if they had stayed."""

from __future__ import annotations

import pytest

from ledger.core.paging import page_out
from ledger.writer import LedgerWriter
from tests.builders import (
    at,
    declined,
    inbound,
    joined,
    program,
    refund,
    sale,
    two_tier_events,
)
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply


@pytest.fixture
def ledger() -> CoreLedger:
    """A ledger that snapshots after every batch and keeps no sale in memory past it."""
    return CoreLedger(snapshot_every=1, hot_sales=0)


@pytest.fixture
def two_tier(apply: Apply, ledger: CoreLedger) -> None:
    """Susie recruited Rex; Rex sold 100.00, now paged out (Rex 20.00, Susie 5.00 available)."""
    apply(*two_tier_events())
    assert "S-1" not in ledger.writer.state.sales


def test_a_refund_of_a_paged_out_sale_reverses_its_lines(two_tier: None, apply: Apply, ledger: CoreLedger) -> None:
    apply(refund("S-1", 5_000, event_id="r-1"))
    assert (ledger.balance("rex", "USD", "available"), ledger.balance("susie", "USD", "available")) == (1_000, 250)


def test_a_repeated_refund_id_of_a_paged_out_sale_is_refused(two_tier: None, apply: Apply) -> None:
    apply(refund("S-1", 1_000, event_id="r-1", refund_id="R"))
    outcome = apply(refund("S-1", 1_000, event_id="r-2", refund_id="R"))
    assert [d.reason.value for d in outcome.dead_letters] == ["duplicate_id"]


def test_a_decline_of_a_paged_out_sale_takes_its_commission_back(two_tier: None, apply: Apply,
                                                                  ledger: CoreLedger) -> None:
    apply(declined("rex", "S-1", 10_000))
    assert (ledger.balance("rex", "USD", "available"), ledger.balance("susie", "USD", "available")) == (0, 0)


def test_a_writer_restored_from_a_snapshot_pages_a_sale_back_for_its_refund(two_tier: None,
                                                                             ledger: CoreLedger) -> None:
    restored = LedgerWriter(ledger.store, min_wait_s=0, snapshot_every=1, hot_sales=0)
    restored.apply([inbound(refund("S-1", 10_000))])
    assert restored.state.partners["rex"].balances["USD"] == [0, 0, 0]


def test_a_program_version_back_in_time_corrects_paged_out_sales(two_tier: None, apply: Apply,
                                                                  ledger: CoreLedger) -> None:
    apply(program(tiers=("0.10", "0.05"), event_id="p2") | {"occurred_at": at(2, hour=0)})
    assert ledger.balance("rex", "USD", "available") == 1_000


def test_a_move_to_another_program_corrects_the_partners_paged_out_sales(two_tier: None, apply: Apply,
                                                                         ledger: CoreLedger) -> None:
    apply(program("gold", tiers=("0.30",), event_id="p-gold"))
    apply({"type": "partner.program_changed", "event_id": "move", "occurred_at": at(1, hour=13),
           "partner_id": "rex", "program_id": "gold"})
    assert ledger.balance("rex", "USD", "available") == 3_000


def test_paging_out_keeps_every_sale_with_a_pending_line() -> None:
    held = CoreLedger(snapshot_every=10**9)
    held.apply_batch([inbound(e) for e in (
        program("held", hold_days=30, event_id="ph"), joined("ann", program_id="held"),
        program(event_id="p1"), joined("bob"), sale("A", "ann", 1_000), sale("B", "bob", 1_000))])
    taken = page_out(held.writer.state, 0)
    assert ([s.sale_id for s in taken.fresh], sorted(held.writer.state.sales)) == (["B"], ["A"])


def test_a_sale_paged_in_and_out_again_is_stored_as_it_now_is(two_tier: None, apply: Apply,
                                                               ledger: CoreLedger) -> None:
    apply(refund("S-1", 5_000, event_id="r-1"))
    stored = ledger.store.sales(["S-1"])
    assert ("S-1" in ledger.writer.state.sales, [s.refunded for s in stored]) == (False, [5_000])
