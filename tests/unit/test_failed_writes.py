"""A batch changes the writer's state as it is decided; one whose write failed must leave no trace in it."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import OperationalError

from tests.builders import refund, sale, two_tier_events
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
