"""Publishes what the ledger recorded for Kafka (dead letters, notifications): at least once, in order."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import orjson
import structlog
from aiokafka.errors import MessageSizeTooLargeError

from ledger.service import Ledger
from ledger.store.postgres_outbox import StoredDeadLetter, StoredNotice

T = TypeVar("T")
Message = tuple[bytes | None, bytes, list[tuple[str, bytes]]]
Send = Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[Awaitable[Any]]]
log = structlog.get_logger("ledger.outbox")
# Below the producer's and Kafka's default limits (1 MiB a request); a larger original goes to
# the DLQ without its bytes, which stay in ledger.dead_letters.
MAX_DEAD_LETTER_VALUE = 900 * 1024
MAX_HEADER_TEXT = 2000


class OutboxRelay(Generic[T]):
    """Reads unpublished rows, sends them, then marks them published; safe to call any time."""

    def __init__(self, name: str, fetch: Callable[[int], Sequence[tuple[int, T]]],
                 mark: Callable[[list[int]], None], to_message: Callable[[T], Message], send: Send,
                 shrink: Callable[[T], Message] | None = None, batch: int = 500) -> None:
        self.name, self.fetch, self.mark, self.to_message, self.send = name, fetch, mark, to_message, send
        self.shrink, self.batch = shrink, batch
        self._lock = asyncio.Lock()

    async def publish_pending(self) -> int:
        """Publish every unpublished row; returns how many were sent."""
        sent = 0
        async with self._lock:
            while rows := await asyncio.to_thread(self.fetch, self.batch):
                deliveries = [(row, await self._enqueue(row)) for _, row in rows]
                for row, delivery in deliveries:
                    await self._delivered(row, delivery)
                await asyncio.to_thread(self.mark, [row_id for row_id, _ in rows])
                sent += len(rows)
                log.info("outbox_published", outbox=self.name, count=len(rows))
        return sent

    async def _enqueue(self, row: T) -> Awaitable[Any]:
        try:
            return await self.send(*self.to_message(row))
        except MessageSizeTooLargeError:
            if self.shrink is None:
                raise
            return await self.send(*self.shrink(row))

    async def _delivered(self, row: T, delivery: Awaitable[Any]) -> None:
        try:
            await delivery
        except MessageSizeTooLargeError:  # the broker's limit is lower than ours
            if self.shrink is None:
                raise
            log.warning("outbox_message_too_large", outbox=self.name)
            await (await self.send(*self.shrink(row)))


def dead_letter_relay(ledger: Ledger, send: Send) -> OutboxRelay[StoredDeadLetter]:
    """Dead letters to the DLQ: the original bytes as value, the reason and source as headers."""
    recorder = ledger.outboxes
    return OutboxRelay("dead_letters", lambda n: [(d.id, d) for d in recorder.unpublished_dead_letters(n)],
                       recorder.mark_published, dead_letter_message, send,
                       shrink=lambda d: dead_letter_message(d, limit=0))


def notification_relay(ledger: Ledger, send: Send) -> OutboxRelay[StoredNotice]:
    """Commission notifications, keyed by partner; consumers dedupe on `notification_id`."""
    recorder = ledger.outboxes
    return OutboxRelay("notifications", recorder.unpublished_notifications, recorder.mark_notifications_published,
                       lambda n: (n.partner_id.encode(), orjson.dumps(n.payload()),
                                  [("ledger.notification_id", n.key.encode())]), send)


def dead_letter_message(stored: StoredDeadLetter, limit: int = MAX_DEAD_LETTER_VALUE) -> Message:
    """The original bytes as value, or none if they are over `limit` (their size and sha256 say which)."""
    raw = stored.letter.raw
    headers = dead_letter_headers(stored)
    if len(raw) <= limit:
        return None, raw, headers
    return None, b"", [*headers, ("ledger.payload_omitted", b"true")]


def dead_letter_headers(stored: StoredDeadLetter) -> list[tuple[str, bytes]]:
    """Kafka headers describing why and from where; the value stays the original bytes."""
    letter = stored.letter
    headers = [
        ("ledger.reason", letter.reason.value.encode()),
        ("ledger.detail", letter.detail[:MAX_HEADER_TEXT].encode()),
        ("ledger.dead_letter_id", str(stored.id).encode()),
        ("ledger.payload_size", str(len(letter.raw)).encode()),
        ("ledger.payload_sha256", hashlib.sha256(letter.raw).hexdigest().encode()),
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
