"""Publishes dead letters kept in the ledger to the DLQ topic, at least once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from ledger.application import LedgerApp
from ledger.persistence import StoredDeadLetter

Send = Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[None]]
log = structlog.get_logger("ledger.dlq")


def dead_letter_headers(stored: StoredDeadLetter) -> list[tuple[str, bytes]]:
    """Kafka headers describing why and from where; the value stays the original bytes."""
    letter = stored.letter
    headers = [
        ("ledger.reason", letter.reason.value.encode()),
        ("ledger.detail", letter.detail.encode()),
        ("ledger.dead_letter_id", str(stored.id).encode()),
    ]
    if letter.event_id:
        headers.append(("ledger.event_id", letter.event_id.encode()))
    if letter.source:
        headers += [
            ("ledger.source.topic", letter.source.topic.encode()),
            ("ledger.source.partition", str(letter.source.partition).encode()),
            ("ledger.source.offset", str(letter.source.offset).encode()),
        ]
    return headers


class DeadLetterRelay:
    """Moves dead letters from the ledger's table to the DLQ topic; safe to call any time."""

    def __init__(self, ledger: LedgerApp, send: Send, batch: int = 500) -> None:
        self.ledger = ledger
        self.send = send
        self.batch = batch
        self._lock = asyncio.Lock()

    async def publish_pending(self) -> int:
        """Publish every unpublished dead letter; returns how many were sent."""
        sent = 0
        async with self._lock:
            while letters := await asyncio.to_thread(self.ledger.ledger_recorder.unpublished_dead_letters, self.batch):
                for stored in letters:
                    await self.send(None, stored.letter.raw, dead_letter_headers(stored))
                    log.info("dead_letter_published", reason=stored.letter.reason.value,
                             event_id=stored.letter.event_id, dead_letter_id=stored.id)
                await asyncio.to_thread(self.ledger.ledger_recorder.mark_published, [s.id for s in letters])
                sent += len(letters)
        return sent
