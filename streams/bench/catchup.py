"""Cheap answers to "has the ledger caught up?", polled while the benchmark runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from streams.writer_lock import writer_active

Offsets = dict[tuple[str, int], int]


def end_offsets(bootstrap: str, topics: list[str]) -> Offsets:
    """The next offset of every partition of `topics`: what the ledger must reach."""
    async def ask() -> Offsets:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        await consumer.start()
        try:
            await consumer.topics()  # metadata of every topic, or partitions_for_topic() may know none
            missing = [t for t in topics if not consumer.partitions_for_topic(t)]
            if missing:
                raise RuntimeError(f"the broker reports no partitions for {missing}")
            partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
            found = await consumer.end_offsets(partitions)
            return {(tp.topic, tp.partition): await _past_last_batch(consumer, tp, offset)
                    for tp, offset in found.items()}
        finally:
            await consumer.stop()
    return asyncio.run(ask())


async def _past_last_batch(consumer: AIOKafkaConsumer, tp: TopicPartition, end: int) -> int:
    """The offset after the last record. Tansu answers ListOffsets with the last record batch's
    base offset + 1, short of the records after the first in that batch, so read the batch."""
    if end == 0:
        return 0
    consumer.assign([tp])
    consumer.seek(tp, end - 1)
    fetched = await consumer.getmany(tp, timeout_ms=5000)
    records = fetched.get(tp, [])
    return max(end, records[-1].offset + 1) if records else end


def _committed(conn: psycopg.Connection[Any], ends: Offsets) -> Offsets:
    """The last offset the ledger committed for each partition of the topics in `ends` (a small table)."""
    rows = conn.execute('SELECT topic, partition, "offset" FROM ledger.source_positions WHERE topic = ANY(%s)',
                        ([topic for topic, _ in ends],)).fetchall()
    return {(topic, partition): offset for topic, partition, offset in rows}


def _projection_positions(conn: psycopg.Connection[Any]) -> tuple[int, int, int]:
    """(ledger head, slowest projection's position, projections tracked): index lookups, no counting of events."""
    row = conn.execute("SELECT (SELECT coalesce(max(notification_id), 0) FROM ledger.entries), "
                       "(SELECT coalesce(min(position), 0) FROM projections.tracking), "
                       "(SELECT count(*) FROM projections.tracking)").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def unread(conn: psycopg.Connection[Any], ends: Offsets) -> int:
    """Messages in the broker that the ledger has not recorded a decision for, whether or not a worker runs."""
    committed = _committed(conn, ends)
    return sum(max(0, end - committed.get(key, -1) - 1) for key, end in ends.items())


def ledger_reached(conn: psycopg.Connection[Any], ends: Offsets) -> bool:
    """Whether the ledger has committed every message up to `ends`."""
    committed = _committed(conn, ends)
    return all(committed.get(key, -1) >= end - 1 for key, end in ends.items() if end > 0)


def projections_reached_head(conn: psycopg.Connection[Any], expected: int) -> bool:
    """Whether every one of `expected` projections has applied the whole ledger log."""
    head, slowest, tracked = _projection_positions(conn)
    return tracked >= expected and slowest >= head


def ledger_progress(conn: psycopg.Connection[Any], ends: Offsets) -> str:
    """How far the ledger and the projections are, for the progress line."""
    done = sum(min(offset + 1, ends.get(key, 0)) for key, offset in _committed(conn, ends).items())
    head, slowest, _ = _projection_positions(conn)
    return f"ledger {done:,}/{sum(ends.values()):,} messages, projections {slowest:,}/{head:,} positions"


def wait_for(condition: Callable[[], bool], what: str, deadline_s: float, say: Callable[[str], None] | None = None,
             status: Callable[[], str] | None = None, every_s: float = 0.2) -> None:
    """Poll `condition` until it holds; a deadline turns a stuck run into an error, not a hang."""
    deadline, last = time.monotonic() + deadline_s, time.monotonic()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        if say and time.monotonic() - last > 5:
            say(f"waiting for {what}: {status()}…" if status else f"waiting for {what}…")
            last = time.monotonic()
        time.sleep(every_s)


def wait_for_writer(database_url: str, say: Callable[[str], None]) -> None:
    """Wait until a worker holds the ledger's writer lock (the others wait as standbys)."""
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as conn:
        wait_for(lambda: writer_active(conn), "a worker to take the writer lock", 300, say, every_s=0.2)
    say(f"a writer started in {time.monotonic() - started:.1f} s")
