"""Ledgers for domain tests, without I/O: the eventsourcing application and the new core, side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import LedgerApp
from ledger.batch import BatchResult
from ledger.partner import Partner
from tests.builders import inbound
from tests.core_ledger import CoreLedger

Apply = Callable[..., BatchResult]
Balance = Callable[..., int]
AnyLedger = LedgerApp | CoreLedger


@pytest.fixture(params=["app", "core"])
def ledger(request: pytest.FixtureRequest) -> AnyLedger:
    """A fresh ledger in memory: the application of today, and the core that replaces it."""
    if request.param == "core":
        return CoreLedger()
    return LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "LEDGER_PARKING_MIN_WAIT_S": "0"})


@pytest.fixture
def apply(ledger: AnyLedger) -> Apply:
    """Apply events (dicts) as one batch."""
    def _apply(*events: dict[str, Any]) -> Any:
        return ledger.apply_batch([inbound(e) for e in events])
    return _apply


def balance_of(ledger: AnyLedger, partner_id: str, bucket: str = "available", currency: str = "USD") -> int:
    """A partner's balance in one bucket, in minor units."""
    if isinstance(ledger, CoreLedger):
        return ledger.balance(partner_id, currency, bucket)
    return ledger.repository.get(Partner.create_id(partner_id)).balance(currency, bucket)


def notified(ledger: AnyLedger) -> list[tuple[str, int, int]]:
    """(partner, level, amount) of each commission notification recorded, in order."""
    if isinstance(ledger, CoreLedger):
        return [(n.partner_id, n.level, n.amount) for n in ledger.notified()]
    return [(n.partner_id, n.level, n.amount) for _, n in ledger.ledger_recorder.unpublished_notifications(100)]


@pytest.fixture
def balance(ledger: AnyLedger) -> Callable[[str, str], int]:
    """A partner's balance in one bucket, in USD cents."""
    def _balance(partner_id: str, bucket: str = "available") -> int:
        return balance_of(ledger, partner_id, bucket)
    return _balance


def dead_letter_count(ledger: AnyLedger) -> int:
    """How many messages were refused in all."""
    if isinstance(ledger, CoreLedger):
        return len(ledger.store.dead_letters)
    return ledger.ledger_recorder.dead_letter_count()


def oldest_parked(ledger: AnyLedger) -> object:
    """When the longest-waiting parked event was parked (None when none waits)."""
    if isinstance(ledger, CoreLedger):
        return ledger.oldest_parked_wall_us()
    return ledger.ledger_recorder.parking_summary().oldest_parked_at
