"""The Faust worker: input topics in, one ledger transaction per batch, dead letters out."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import faust
import structlog
from faust.types import EventT

from ledger.application import LedgerApp
from ledger.batch import BatchResult
from streams.dead_letters import DeadLetterRelay
from streams.embedded import free_port
from streams.inbound import to_inbound
from streams.settings import Settings

log = structlog.get_logger("ledger.worker")


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

    relay = DeadLetterRelay(ledger, send_dead_letter)

    @app.agent(ledger_input_topic)
    async def apply_events(stream: faust.StreamT[Any]) -> None:
        async for events in stream.take_events(settings.batch_size, within=settings.batch_ms / 1000):
            items = [_inbound(event, cluster, settings) for event in events]
            result = await apply_until_recorded(ledger, items)
            log.info("batch_applied", size=len(items), applied=result.applied, duplicates=result.duplicates,
                     rejected=len(result.dead_letters), attempts=result.attempts)
            if result.dead_letters:
                await relay.publish_pending()

    @app.task
    async def publish_dead_letters_left_by_earlier_runs() -> None:
        await relay.publish_pending()

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


async def apply_until_recorded(ledger: LedgerApp, items: Sequence[Any]) -> BatchResult:
    """Apply a batch; if the database fails, keep trying: an event is never acknowledged unapplied."""
    delay = 0.2
    while True:
        try:
            return await asyncio.to_thread(ledger.apply_batch, items)
        except Exception as exc:  # noqa: BLE001 - any failure means "not recorded yet"
            log.error("batch_failed_retrying", error=str(exc), retry_in_s=delay, size=len(items))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)


def _group_timeouts(session_timeout_s: int) -> dict[str, float]:
    # The embedded broker holds a joining member for about half the session timeout, so local
    # runs use a short one; against real Kafka the defaults stay unless configured.
    if not session_timeout_s:
        return {}
    return {"broker_session_timeout": float(session_timeout_s), "broker_rebalance_timeout": float(session_timeout_s),
            "broker_heartbeat_interval": max(0.5, session_timeout_s / 6)}


def _inbound(event: EventT[Any], cluster: str, settings: Settings) -> Any:
    message = event.message
    return to_inbound(message.value, message.topic, message.partition, message.offset, cluster,
                      settings.input_topic_by_name)
