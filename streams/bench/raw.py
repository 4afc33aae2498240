"""The raw limits measured beside the ledger: PostgreSQL COPY and plain aiokafka consumption."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import psycopg
from aiokafka import AIOKafkaConsumer


def copy_rate(database_url: str, rows: int) -> float:
    """Rows/s of COPY into a table shaped like the ledger's events table."""
    state = os.urandom(300)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE bench_copy (originator_id uuid, originator_version bigint, topic text, "
                     "state bytea, notification_id bigserial)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_copy (originator_id, originator_version, topic, state) FROM STDIN") as copy:
            for n in range(rows):
                copy.write_row((uuid.uuid4(), n, "ledger.partner:Partner.CommissionAccrued", state))
        return rows / (time.perf_counter() - started)


def consume_rate(bootstrap: str, topics: list[str], expected: int, deadline_s: float = 120.0) -> float:
    """Messages/s of a plain aiokafka consumer reading the input topics from the start."""
    async def consume() -> float:
        consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, group_id=None, max_poll_records=5000)
        await consumer.start()
        seen, started = 0, time.perf_counter()
        try:
            while seen < expected and time.perf_counter() - started < deadline_s:
                batch = await consumer.getmany(timeout_ms=200, max_records=5000)
                seen += sum(len(messages) for messages in batch.values())
        finally:
            await consumer.stop()
        return seen / (time.perf_counter() - started)
    return asyncio.run(consume())
