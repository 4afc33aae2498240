"""A batch changes the writer's state as it is decided; one whose write failed must leave no trace in it."""

from __future__ import annotations

import threading

import pytest
from eventsourcing.persistence import OperationalError

from tests.builders import joined, program, refund, sale, two_tier_events
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply, Balance


@pytest.fixture
def fails_once(ledger: CoreLedger) -> None:
    """The next save fails as if the database went away mid-commit."""
    ledger.store.fail_next = OperationalError("connection lost")


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


def test_a_repeated_message_decides_nothing_again(
        ledger: CoreLedger, apply: Apply, two_tier: None) -> None:
    logged = len(ledger.store.log)
    result = apply(*two_tier_events())
    assert (result.duplicates, len(ledger.store.log)) == (len(two_tier_events()), logged)


def test_the_timer_waits_while_a_batch_is_being_written(ledger: CoreLedger, apply: Apply) -> None:
    apply(program(), joined("rex"), refund("S-9", 100, day=2))  # one event waits: the timer has work
    writing, finish = threading.Event(), threading.Event()
    original = ledger.store.write

    def slow_write(batch: object) -> None:
        if not writing.is_set():  # the batch's write is held; any later write goes through at once
            writing.set()
            finish.wait(5)
        original(batch)  # type: ignore[arg-type]
    ledger.store.write = slow_write  # type: ignore[method-assign]
    batch = threading.Thread(target=lambda: apply(sale("S-2", "rex", 1_000)))
    batch.start()
    writing.wait(5)
    timer = threading.Thread(target=ledger.expire_parked)
    timer.start()
    timer.join(0.3)
    overlapped = not timer.is_alive()  # it finished while the batch was still being written
    finish.set()
    batch.join(5)
    timer.join(5)
    assert overlapped is False
