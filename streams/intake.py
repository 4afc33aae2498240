"""Reads the input topics in batches, from the offsets the ledger recorded and never past them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord, TopicPartition

from ledger.core.clock import PartitionKey
from ledger.core.messages import Received
from streams.inbound import to_received
from streams.settings import Settings

log = structlog.get_logger("ledger.intake")
Positions = Callable[[], Awaitable[dict[PartitionKey, int]]]
REFRESH_PARTITIONS_S = 30.0
# Far above the largest message accepted (schemas.bounds): a bigger one is still fetched whole
# (a fetch returns at least one record) and refused by its size.
MAX_PARTITION_FETCH_BYTES = 4 * 1024 * 1024


class Intake:
    """A consumer with no group: it owns every input partition and seeks where the ledger stopped.

    Kafka's committed offsets are not used. The only offsets that count are those written with
    the decisions of their messages, so after any failure `rewind()` goes back to them.
    """

    def __init__(self, settings: Settings, bootstrap: str, cluster: str, positions: Positions) -> None:
        self.settings, self.cluster, self._positions = settings, cluster, positions
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
            max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES, fetch_max_wait_ms=max(settings.batch_ms, 10))
        self._assigned: set[TopicPartition] = set()
        self._refreshed: float | None = None  # when the partitions were last listed
        self._next: dict[TopicPartition, int] = {}
        self.needs_rewind = True
        self.parse_s = 0.0  # seconds the last batch took to parse, for the worker's log

    async def start(self) -> None:
        """Connect to the broker."""
        await self.consumer.start()

    async def stop(self) -> None:
        """Close the connections."""
        await self.consumer.stop()

    async def next_batch(self) -> list[Received]:
        """Up to a batch of messages, in partition order, parsed; rewinds first if asked to."""
        if self._refreshed is None or time.monotonic() - self._refreshed > REFRESH_PARTITIONS_S:
            await self._assign()
        if self.needs_rewind:
            await self.rewind()
        fetched = await self.consumer.getmany(timeout_ms=self.settings.batch_ms, max_records=self.settings.batch_size)
        started = time.perf_counter()
        parsed = [item for tp in sorted(fetched) for item in self._parse(tp, fetched[tp])]
        self.parse_s = time.perf_counter() - started
        return parsed

    async def rewind(self) -> None:
        """Seek every partition to just after the last offset the ledger recorded for it."""
        recorded = await self._positions()
        for tp in sorted(self._assigned):
            applied = recorded.get((self.cluster, tp.topic, tp.partition))
            if applied is None:
                await self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, applied + 1)
            self._next[tp] = applied + 1 if applied is not None else 0
        self.needs_rewind = False
        log.info("rewound_to_ledger_positions", partitions=len(self._assigned), recorded=len(recorded))

    def backlog(self) -> int | None:
        """Messages not yet read, over every partition; None until each has been fetched once."""
        total = 0
        for tp in self._assigned:
            highwater = self.consumer.highwater(tp)
            if highwater is None or tp not in self._next:
                return None
            total += max(0, highwater - self._next[tp])
        return total

    async def _assign(self) -> None:
        await self.consumer.topics()  # refreshes the cluster metadata
        partitions = {TopicPartition(topic, p) for topic in self.settings.input_topics
                      for p in self.consumer.partitions_for_topic(topic) or ()}
        self._refreshed = time.monotonic()
        if partitions != self._assigned:
            self.consumer.assign(sorted(partitions))
            self._assigned = partitions
            self.needs_rewind = True
            log.info("partitions_assigned", partitions=len(partitions))

    def _parse(self, tp: TopicPartition, records: list[ConsumerRecord[bytes, bytes]]) -> list[Received]:
        if not records:
            return []
        self._next[tp] = records[-1].offset + 1
        highwater, by_name = self.consumer.highwater(tp), self.settings.input_topic_by_name
        return [to_received(r.value, tp.topic, tp.partition, r.offset, self.cluster, by_name, highwater)
                for r in records]

