"""Publishes what the ledger recorded for Kafka (dead letters, notifications): at least once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import orjson
import structlog

from ledger.application import LedgerApp
from ledger.notifications import Notification
from ledger.persistence import StoredDeadLetter

T = TypeVar("T")
Message = tuple[bytes | None, bytes, list[tuple[str, bytes]]]
Send = Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[None]]
log = structlog.get_logger("ledger.outbox")


class OutboxRelay(Generic[T]):
    """Reads unpublished rows, sends them, then marks them published; safe to call any time."""

    def __init__(self, name: str, fetch: Callable[[int], Sequence[tuple[int, T]]],
                 mark: Callable[[list[int]], None], to_message: Callable[[T], Message], send: Send,
                 batch: int = 500) -> None:
        self.name, self.fetch, self.mark, self.to_message, self.send = name, fetch, mark, to_message, send
        self.batch = batch
        self._lock = asyncio.Lock()

    async def publish_pending(self) -> int:
        """Publish every unpublished row; returns how many were sent."""
        sent = 0
        async with self._lock:
            while rows := await asyncio.to_thread(self.fetch, self.batch):
                for _, row in rows:
                    await self.send(*self.to_message(row))
                await asyncio.to_thread(self.mark, [row_id for row_id, _ in rows])
                sent += len(rows)
                log.info("outbox_published", outbox=self.name, count=len(rows))
        return sent


def dead_letter_relay(ledger: LedgerApp, send: Send) -> OutboxRelay[StoredDeadLetter]:
    """Dead letters to the DLQ: the original bytes as value, the reason and source as headers."""
    recorder = ledger.ledger_recorder
    return OutboxRelay("dead_letters", lambda n: [(d.id, d) for d in recorder.unpublished_dead_letters(n)],
                       recorder.mark_published, lambda d: (None, d.letter.raw, dead_letter_headers(d)), send)


def notification_relay(ledger: LedgerApp, send: Send) -> OutboxRelay[Notification]:
    """Commission notifications, keyed by partner; consumers dedupe on `notification_id`."""
    recorder = ledger.ledger_recorder
    return OutboxRelay("notifications", recorder.unpublished_notifications, recorder.mark_notifications_published,
                       lambda n: (n.partner_id.encode(), orjson.dumps(n.payload()),
                                  [("ledger.notification_id", n.key.encode())]), send)


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
