"""The worker: input batches in, one ledger transaction per batch, dead letters and notifications out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer

from ledger.service import Ledger
from streams.batches import StopRequestedError, apply_until_recorded
from streams.collector import freeze_state
from streams.dead_letter_log import log_dead_letters
from streams.intake import Intake
from streams.kafka import plain_producer
from streams.metrics import WorkerMetrics
from streams.outbox import dead_letter_relay, notification_relay
from streams.settings import Settings
from streams.waiting import Backoff, wait_briefly
from streams.writer_lock import WriterLock

log = structlog.get_logger("ledger.worker")
MAX_BACKOFF_S = 10.0
STOP_TIMEOUT_S = 30.0


class Worker:
    """Reads, decides and records batches until stopped; any failure re-reads from the ledger's offsets."""

    def __init__(self, settings: Settings, bootstrap: str, ledger: Ledger, cluster: str, database_url: str,
                 metrics: WorkerMetrics | None = None) -> None:
        self.settings, self.ledger = settings, ledger
        self.lock = WriterLock(database_url)
        self.metrics = metrics or WorkerMetrics()
        self.bootstrap, self.cluster = bootstrap, cluster
        self.intake = Intake(settings, bootstrap, cluster, self._recorded_positions)
        self.producer: AIOKafkaProducer = plain_producer(bootstrap)
        self.dead_letters = dead_letter_relay(ledger, self._sender(settings.dlq_topic))
        self.notifications = notification_relay(ledger, self._sender(settings.notifications_topic))
        self._wake_publisher = asyncio.Event()
        self.alive_at = 0.0  # monotonic time of the loop's last turn, for readiness
        self._stopping = asyncio.Event()  # run() replaces it with the caller's

    async def run(self, stopping: asyncio.Event) -> None:
        """Run the loop, the timer and the publisher until `stopping` is set; the batch in hand finishes."""
        self._stopping = stopping
        if not await self._start_clients():
            return
        tasks = [asyncio.create_task(self._publish_forever(), name="publisher"),
                 asyncio.create_task(self._tick_forever(), name="timer")]
        try:
            await self._consume_forever()
        finally:
            stopping.set()
            # The timer and the publisher end their turn in hand (a write in a thread cannot be
            # cancelled), so the writer lock is released only once nothing writes any more.
            _, late = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
            for task in late:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._close()
            await self.lock.release()

    async def _start_clients(self) -> bool:
        """Connect to the broker, waiting for it as long as it takes (False if asked to stop first)."""
        backoff = Backoff(0.5, MAX_BACKOFF_S)
        while not self._stopping.is_set():
            try:
                await self.producer.start()
                await self.intake.start()
                return True
            except Exception as exc:  # noqa: BLE001 - the broker is away: wait for it
                log.error("broker_unavailable_retrying", error=repr(exc)[:300], retry_in_s=backoff.delay)
                await self._close()
                self.producer = plain_producer(self.bootstrap)
                self.intake = Intake(self.settings, self.bootstrap, self.cluster, self._recorded_positions)
                await backoff.pause(self._stopping)
        return False

    async def _close(self) -> None:
        for closing in (self.intake.stop, self.producer.stop):
            try:
                await asyncio.wait_for(closing(), timeout=10)
            except Exception as exc:  # noqa: BLE001 - stopping goes on whatever a client says
                log.warning("close_failed", error=repr(exc))

    async def _consume_forever(self) -> None:
        backoff = Backoff(0.5, MAX_BACKOFF_S)
        while await self.lock.acquire(self._stopping):
            self.intake.needs_rewind = True  # another writer may have recorded more meanwhile
            try:
                await asyncio.to_thread(self.ledger.become_writer)
            except Exception as exc:  # noqa: BLE001 - e.g. a pooled connection from before a database restart
                log.error("become_writer_failed_retrying", error=repr(exc)[:500], retry_in_s=backoff.delay)
                await self.lock.release()  # a standby may take over meanwhile; nothing was written
                await backoff.pause(self._stopping)
                continue
            backoff.reset()
            freeze_state()
            await self._consume_while_writer()

    async def _consume_while_writer(self) -> None:
        backoff = Backoff(0.2, MAX_BACKOFF_S)
        while not self._stopping.is_set() and await self.lock.held():
            self.alive_at = time.monotonic()
            try:
                await self._one_batch()
                backoff.reset()
            except StopRequestedError:
                log.info("stopped_while_waiting_for_the_database")
                return
            except Exception as exc:  # noqa: BLE001 - nothing is skipped: read again from the ledger's offsets
                self.intake.needs_rewind = True
                self.metrics.loop_failures.inc()
                log.error("batch_failed_rereading", error=repr(exc)[:500], retry_in_s=backoff.delay)
                await backoff.pause(self._stopping)

    async def _one_batch(self) -> None:
        items = await self.intake.next_batch()
        self.metrics.backlog(self.intake.backlog())
        if not items:
            return
        started = time.perf_counter()
        result = await apply_until_recorded(self.ledger, items, self._stopping)
        elapsed = time.perf_counter() - started
        self.metrics.batch_done(len(items), result, elapsed)
        log_dead_letters(result.dead_letters)
        log.info("batch_applied", size=len(items), applied=result.applied, duplicates=result.duplicates,
                 rejected=len(result.dead_letters), parked=result.parked,
                 parse_s=round(self.intake.parse_s, 4), decide_s=round(result.decide_s, 4),
                 encode_s=round(result.encode_s, 4), save_s=round(result.save_s, 4), chain_s=round(result.chain_s, 4), total_s=round(elapsed, 3))
        self._wake_publisher.set()

    async def _tick_forever(self) -> None:
        """Mature commission and expire parked events on the clock, also when no message arrives."""
        while not await wait_briefly(self._stopping, self.settings.maturation_interval_s):
            if not self.lock.holding:
                continue
            try:
                while matured := await asyncio.to_thread(self.ledger.mature_due, datetime.now(UTC)):
                    log.info("commission_matured", lines=matured)
                expired = await asyncio.to_thread(self.ledger.expire_parked)
                if expired is not None and expired.dead_letters:
                    self.metrics.dead_lettered(expired.dead_letters)
                    log_dead_letters(expired.dead_letters)
                    log.info("parked_events_expired", refused=len(expired.dead_letters))
                self._wake_publisher.set()
            except Exception as exc:  # noqa: BLE001 - the next tick tries again
                log.error("timer_failed", error=repr(exc)[:500])

    async def _publish_forever(self) -> None:
        """Publish dead letters and notifications after each batch; failures wait and try again."""
        backoff = Backoff(1.0, MAX_BACKOFF_S)
        while not self._stopping.is_set():
            if not self.lock.holding:
                await self._woken(1.0)
                continue
            try:
                await self.dead_letters.publish_pending()
                await self.notifications.publish_pending()
                backoff.reset()
                await self._woken(5.0)
            except Exception as exc:  # noqa: BLE001 - the rows stay unpublished; try again
                log.error("publish_failed", error=repr(exc)[:500], retry_in_s=backoff.delay)
                await backoff.pause(self._stopping)

    async def _woken(self, seconds: float) -> None:
        """Wait until a batch asks for publishing, the worker stops, or `seconds` pass."""
        waits = [asyncio.ensure_future(self._wake_publisher.wait()), asyncio.ensure_future(self._stopping.wait())]
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
        self._wake_publisher.clear()

    async def _recorded_positions(self) -> dict[Any, int]:
        return await asyncio.to_thread(self.ledger.source_positions)

    def _sender(self, topic: str) -> Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[Any]]:
        async def send(key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> Awaitable[Any]:
            return await self.producer.send(topic, value=value, key=key, headers=headers)
        return send
