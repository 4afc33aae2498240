"""A message that makes the ledger fail is isolated and dead-lettered; the rest of its batch applies."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from ledger.core.messages import Received
from ledger.writer import Outcome
from schemas import Reason
from streams.batches import StopRequestedError, apply_until_recorded
from tests.builders import inbound, joined, program, sale
from tests.core_ledger import CoreLedger


class FailingOn(CoreLedger):
    """The in-memory ledger, with a bug that fires on one sale id."""

    poison = "S-BAD"

    def apply_batch(self, items: Sequence[Received]) -> Outcome:
        if any(getattr(i.event, "sale_id", None) == self.poison for i in items):
            raise ValueError("a bug")
        return super().apply_batch(items)


def _ledger() -> FailingOn:
    return FailingOn()


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


class DatabaseAway(CoreLedger):
    """The in-memory ledger, as if its database never answered."""

    def apply_batch(self, items: Sequence[Received]) -> Outcome:
        raise OperationalError("the database is away")


async def test_a_batch_waiting_for_the_database_gives_up_unrecorded_when_the_worker_stops() -> None:
    ledger = DatabaseAway()
    stopping = asyncio.Event()
    asyncio.get_running_loop().call_later(0.3, stopping.set)
    with pytest.raises(StopRequestedError):
        await apply_until_recorded(ledger, [inbound(program())], stopping)
