"""The Faust worker: input topics in, one ledger transaction per batch, dead letters out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import faust
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError
from faust.types import EventT

from ledger.application import LedgerApp
from ledger.batch import BatchResult, Inbound
from ledger.errors import ConcurrencyError
from schemas.reasons import Reason
from streams.embedded import free_port
from streams.inbound import to_inbound
from streams.outbox import dead_letter_relay, notification_relay
from streams.settings import Settings

log = structlog.get_logger("ledger.worker")
# Failures that say "not now" (the database is away, or too busy with other writers): retry forever.
RETRYABLE = (OperationalError, InterfaceError, ConcurrencyError, ConnectionError, TimeoutError)


def create_worker_app(settings: Settings, bootstrap: str, ledger: LedgerApp, cluster: str) -> faust.App:
    """The Faust app with its topics and agent; nothing connects until it is started."""
    app = faust.App(
        settings.group_id, broker=f"kafka://{bootstrap}", autodiscover=False, store="memory://",
        datadir=str(settings.home / "faust"), web_enabled=False, web_host="127.0.0.1", web_port=free_port(),
        topic_partitions=settings.partitions, topic_replication_factor=settings.replication, producer_acks=-1,
        consumer_auto_offset_reset="earliest", broker_commit_interval=1.0,
        **_group_timeouts(settings.session_timeout_s),
    )
    ledger_input_topic = app.topic(*settings.input_topics, key_serializer="raw", value_serializer="raw")
    dlq_topic = app.topic(settings.dlq_topic, key_serializer="raw", value_serializer="raw")

    async def send_dead_letter(key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        await (await dlq_topic.send(key=key, value=value, headers=headers))

    relay = dead_letter_relay(ledger, send_dead_letter)
    notifications_topic = app.topic(settings.notifications_topic, key_serializer="raw", value_serializer="raw")

    async def send_notification(key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        await (await notifications_topic.send(key=key, value=value, headers=headers))

    notifier = notification_relay(ledger, send_notification)

    @app.agent(ledger_input_topic)
    async def apply_events(stream: faust.StreamT[Any]) -> None:
        # noack_take: a message is acknowledged (and its offset committed) only after the
        # transaction holding its outcome has committed.
        finished = time.perf_counter()
        async for events in stream.noack_take(settings.batch_size, within=settings.batch_ms / 1000):
            started = time.perf_counter()
            items = [_inbound(app, event, cluster, settings) for event in events]
            result = await apply_until_recorded(ledger, items)
            for event in events:
                await stream.ack(event)
            # Where a batch's time went: waiting for messages, deciding, saving, and the rest
            # (parsing, acks, handing over to the ledger's thread).
            waited, finished = started - finished, time.perf_counter()
            log.info("batch_applied", size=len(items), applied=result.applied, duplicates=result.duplicates,
                     rejected=len(result.dead_letters), attempts=result.attempts, waited_s=round(waited, 3),
                     decide_s=round(result.decide_s, 3), save_s=round(result.save_s, 3),
                     total_s=round(finished - started, 3))
            if result.dead_letters:
                await relay.publish_pending()
            await notifier.publish_pending()

    @app.task
    async def publish_what_earlier_runs_left() -> None:
        await relay.publish_pending()
        await notifier.publish_pending()

    @app.timer(interval=settings.maturation_interval_s)
    async def mature_commission() -> None:
        while matured := await asyncio.to_thread(ledger.mature_due, datetime.now(UTC)):
            log.info("commission_matured", lines=matured)
            await relay.publish_pending()
            await notifier.publish_pending()

    @app.on_partitions_assigned.connect
    async def seek_to_ledger_positions(sender: Any, assigned: set[Any], **_: Any) -> None:
        positions = await asyncio.to_thread(ledger.ledger_recorder.source_positions)
        for tp in assigned:
            applied = positions.get((cluster, tp.topic, tp.partition))
            if applied is not None:
                await app.consumer.seek(tp, applied + 1)
                log.info("resumed_from_ledger_position", topic=tp.topic, partition=tp.partition,
                         offset=applied + 1)

    return app


async def apply_until_recorded(ledger: LedgerApp, items: Sequence[Inbound]) -> BatchResult:
    """Apply a batch; on shutdown let it finish first, so no batch is left half-decided."""
    task = asyncio.ensure_future(_apply_with_retries(ledger, items))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with suppress(Exception):
            await asyncio.wait_for(task, timeout=30)
        raise


async def _apply_with_retries(ledger: LedgerApp, items: Sequence[Inbound]) -> BatchResult:
    try:
        return await _retrying(lambda: ledger.apply_batch(items), len(items))
    except Exception as exc:  # noqa: BLE001 - a bug or poison message: isolate it, keep going
        return await _isolate(ledger, items, exc)


async def _retrying(work: Callable[[], BatchResult], size: int) -> BatchResult:
    """Run `work` in a thread until it stops failing for reasons that pass (database away, contention)."""
    delay = 0.2
    while True:
        try:
            return await asyncio.to_thread(work)
        except RETRYABLE as exc:
            log.error("batch_failed_retrying", error=str(exc), retry_in_s=delay, size=size)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


async def _isolate(ledger: LedgerApp, items: Sequence[Inbound], exc: Exception) -> BatchResult:
    """Split a failing batch until the one message that fails is found; dead-letter just that one."""
    if len(items) == 1:
        log.error("message_failed_dead_lettered", error=repr(exc), source=str(items[0].source))
        detail = f"processing failed: {exc!r}"
        return await _retrying(lambda: ledger.refuse(items[0], Reason.PROCESSING_ERROR, detail), 1)
    middle = len(items) // 2
    first = await _apply_with_retries(ledger, items[:middle])
    second = await _apply_with_retries(ledger, items[middle:])
    return BatchResult(first.applied + second.applied, first.duplicates + second.duplicates,
                       first.parked + second.parked, first.dead_letters + second.dead_letters)


def _group_timeouts(session_timeout_s: int) -> dict[str, float]:
    # The embedded broker holds a joining member for about half the session timeout, so local
    # runs use a short one; against real Kafka the defaults stay unless configured.
    if not session_timeout_s:
        return {}
    return {"broker_session_timeout": float(session_timeout_s), "broker_rebalance_timeout": float(session_timeout_s),
            "broker_heartbeat_interval": max(0.5, session_timeout_s / 6)}


def _inbound(app: faust.App, event: EventT[Any], cluster: str, settings: Settings) -> Inbound:
    message = event.message
    return to_inbound(message.value, message.topic, message.partition, message.offset, cluster,
                      settings.input_topic_by_name, _highwater(app, message.tp))


def _highwater(app: faust.App, tp: Any) -> int | None:
    # Unknown until the consumer's first fetch from the partition; then the ledger's clock
    # simply does not count that partition as catching up.
    try:
        return app.consumer.highwater(tp)
    except Exception:  # noqa: BLE001 - a consumer that cannot say is not a reason to stop
        return None
