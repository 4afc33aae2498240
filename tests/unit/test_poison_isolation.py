"""A message that makes the ledger fail is isolated and dead-lettered; the rest of its batch applies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.application import LedgerApp
from ledger.batch import BatchResult, Inbound
from schemas import Reason
from streams.batches import apply_until_recorded
from tests.builders import inbound, joined, program, sale


class FailingOn(LedgerApp):
    """The in-memory ledger, with a bug that fires on one sale id."""

    poison = "S-BAD"

    def apply_batch(self, items: Sequence[Inbound]) -> BatchResult:
        if any(getattr(i.event, "sale_id", None) == self.poison for i in items):
            raise ValueError("a bug")
        return super().apply_batch(items)


def _ledger() -> FailingOn:
    return FailingOn(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


async def test_the_failing_message_is_dead_lettered_as_a_processing_error() -> None:
    ledger = _ledger()
    items: list[Any] = [inbound(e) for e in (program(), joined("rex"), sale("S-BAD", "rex", 1), sale("S-2", "rex", 1))]
    result = await apply_until_recorded(ledger, items)
    assert [d.reason for d in result.dead_letters] == [Reason.PROCESSING_ERROR]


async def test_the_rest_of_the_batch_is_applied() -> None:
    ledger = _ledger()
    items: list[Any] = [inbound(e) for e in (program(), joined("rex"), sale("S-BAD", "rex", 1), sale("S-2", "rex", 1))]
    result = await apply_until_recorded(ledger, items)
    assert result.applied == 3
