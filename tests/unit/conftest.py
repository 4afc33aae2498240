"""A ledger for domain tests, without I/O: the writer on its in-memory store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.writer import Outcome
from tests.builders import inbound
from tests.core_ledger import CoreLedger

Apply = Callable[..., Outcome]
Balance = Callable[..., int]


@pytest.fixture
def ledger() -> CoreLedger:
    """A fresh ledger in memory (parked events may be refused without waiting in wall-clock time)."""
    return CoreLedger()


@pytest.fixture
def apply(ledger: CoreLedger) -> Apply:
    """Apply events (dicts) as one batch."""
    def _apply(*events: dict[str, Any]) -> Outcome:
        return ledger.apply_batch([inbound(e) for e in events])
    return _apply


@pytest.fixture
def balance(ledger: CoreLedger) -> Callable[[str, str], int]:
    """A partner's balance in one bucket, in USD cents."""
    def _balance(partner_id: str, bucket: str = "available") -> int:
        return ledger.balance(partner_id, "USD", bucket)
    return _balance


def notified(ledger: CoreLedger) -> list[tuple[str, int, int]]:
    """(partner, level, amount) of each commission notification recorded, in order."""
    return [(n.partner_id, n.level, n.amount) for n in ledger.notified()]
