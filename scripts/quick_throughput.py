"""Rough end-to-end throughput until `ledger bench` (issue #5) exists.

Starts `ledger run` on a fresh embedded home, publishes N sale events for a two-tier program
(plus the program and partners), and reports events/s from the first publish until every event
is decided and the balances projection has caught up.

    .venv/bin/python scripts/quick_throughput.py 20000
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from streams.embedded import EmbeddedBroker, start_postgres
from streams.kafka import ensure_topics
from streams.producer import produce_lines
from streams.settings import Settings


def events(count: int, partners: int = 500) -> list[str]:
    rnd = random.Random(1)
    lines = [{"event_id": "p", "type": "program.configured", "occurred_at": "2026-01-01T00:00:00Z",
              "program_id": "p", "name": "p", "tiers": [{"level": 1, "rate": "0.20"}, {"level": 2, "rate": "0.05"}]}]
    for i in range(partners):
        lines.append({"event_id": f"j{i}", "type": "partner.joined", "occurred_at": "2026-01-01T00:00:00Z",
                      "partner_id": f"p{i}", "program_id": "p", **({"recruited_by": f"p{i // 2}"} if i else {})})
    for n in range(count):
        lines.append({"event_id": f"s{n}", "type": "sale.completed", "occurred_at": "2026-01-02T00:00:00Z",
                      "sale_id": f"S{n}", "partner_id": f"p{rnd.randrange(partners)}", "product_id": "x",
                      "amount": {"amount": rnd.randrange(100, 100_000), "currency": "USD"},
                      "customer": {"contact_id": f"c{n}"}})
    return [json.dumps(e) for e in lines]


def main(count: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="ledger-tp-"))
    server, url = start_postgres(home)
    broker = EmbeddedBroker(home / "broker")
    bootstrap = broker.start()
    settings = Settings(home=home, database_url=url, bootstrap_servers=bootstrap)
    asyncio.run(ensure_topics(bootstrap, [*settings.input_topics, settings.dlq_topic], settings.partitions))
    env = os.environ | {"DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "LEDGER_HOME": str(home),
                        "LEDGER_SESSION_TIMEOUT_S": "6"}
    worker = subprocess.Popen([sys.executable, "-m", "streams.cli", "--log-level", "INFO", "run", "--no-api"], env=env,
                              stdout=(home / "worker.log").open("wb"), stderr=subprocess.STDOUT)
    lines = events(count)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            while not _ready(conn):
                time.sleep(0.2)
            started = time.monotonic()
            asyncio.run(produce_lines(bootstrap, settings, lines))
            published = time.monotonic() - started
            while _decided(conn) < len(lines) or _lag(conn):
                time.sleep(0.05)
            elapsed = time.monotonic() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        broker.stop()
        server.cleanup()
    print(f"{len(lines)} events: published in {published:.1f}s, decided and projected in {elapsed:.1f}s "
          f"= {len(lines) / elapsed:,.0f} events/s end to end")


def _ready(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    return bool(conn.execute("SELECT to_regclass('projections.tracking') IS NOT NULL").fetchone()[0])  # type: ignore[index]


def _decided(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    return int(conn.execute("SELECT count(*) FROM ledger.inbox WHERE outcome <> 'parked'").fetchone()[0])  # type: ignore[index, arg-type]


def _lag(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    head = conn.execute("SELECT coalesce(max(notification_id), 0) FROM ledger.ledger_events").fetchone()[0]  # type: ignore[index]
    pos = conn.execute("SELECT coalesce(min(position), 0) FROM projections.tracking").fetchone()[0]  # type: ignore[index]
    return int(head) - int(pos)  # type: ignore[arg-type]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
