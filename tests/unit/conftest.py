"""An in-memory ledger for domain tests: no I/O."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.application import LedgerApp
from ledger.batch import BatchResult
from ledger.partner import Partner
from tests.builders import inbound

Apply = Callable[..., BatchResult]
Balance = Callable[..., int]


@pytest.fixture
def ledger() -> LedgerApp:
    """A fresh ledger on in-memory persistence."""
    return LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "LEDGER_PARKING_MIN_WAIT_S": "0"})


@pytest.fixture
def apply(ledger: LedgerApp) -> Apply:
    """Apply events (dicts) as one batch."""
    def _apply(*events: dict[str, Any]) -> BatchResult:
        return ledger.apply_batch([inbound(e) for e in events])
    return _apply


@pytest.fixture
def balance(ledger: LedgerApp) -> Callable[[str, str], int]:
    """A partner's balance in one bucket, in USD cents."""
    def _balance(partner_id: str, bucket: str = "available") -> int:
        return ledger.repository.get(Partner.create_id(partner_id)).balance("USD", bucket)
    return _balance
