"""`ledger soak`: a steady offered load for minutes, with throughput, lag and memory sampled over time."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from projections.status import decided_count, ledger_status
from streams.bench.catchup import wait_for, wait_for_writer
from streams.bench.run import drop_databases, fresh_database
from streams.bench.worker_proc import BenchWorker
from streams.bench.workload import generate
from streams.kafka import ensure_topics, plain_producer
from streams.producer import route
from streams.services import Services
from streams.settings import Settings

Say = Callable[[str], None]
SAMPLES = 20  # rows in the report, whatever the length of the run


@dataclass(frozen=True)
class Sample:
    """The system at one moment of the soak."""

    at_s: float
    published: int  # distinct events offered so far
    decided: int
    behind: int  # events offered and not yet decided
    projection_lag: int  # ledger positions the slowest projection is behind
    rss_mb: float  # the worker and its projection process
    dead_letters: int


@dataclass
class SoakReport:
    """Every sample, and the figures that sum the run up."""

    minutes: float
    rate: int
    partners: int
    samples: list[Sample] = field(default_factory=list)
    caught_up_s: float | None = None  # after the load stopped, until nothing was behind

    @property
    def throughput(self) -> float:
        """Events decided per second over the loaded part of the run."""
        loaded = [s for s in self.samples if s.at_s <= self.minutes * 60 + 1e-6]
        return loaded[-1].decided / loaded[-1].at_s if loaded and loaded[-1].at_s else 0.0

    def print(self, console: Console) -> None:
        """The samples as a table, then the summary."""
        table = Table(title=f"ledger soak: {self.rate:,} events/s offered for {self.minutes:g} min")
        for column in ("t (s)", "offered", "decided", "behind", "projection lag", "RSS MB", "dead letters"):
            table.add_column(column, justify="right")
        for s in self.samples:
            table.add_row(f"{s.at_s:.0f}", f"{s.published:,}", f"{s.decided:,}", f"{s.behind:,}",
                          f"{s.projection_lag:,}", f"{s.rss_mb:.0f}", f"{s.dead_letters:,}")
        console.print(table)
        worst = max((s.behind for s in self.samples), default=0)
        console.print(f"throughput {self.throughput:,.0f} events/s; most behind {worst:,} events "
                      f"({worst / max(self.rate, 1):.1f} s of load); caught up {self.caught_up_s or 0:.1f} s "
                      f"after the load stopped; RSS {self.samples[0].rss_mb:.0f} → {self.samples[-1].rss_mb:.0f} MB")

    def write(self, path: Path) -> None:
        """Every figure as JSON."""
        path.write_text(json.dumps(asdict(self) | {"throughput": self.throughput}, indent=2))


def run_soak(found: Services, minutes: float, rate: int, partners: int, say: Say) -> SoakReport:
    """Offer `rate` events/s for `minutes` to a `ledger run` of its own, sampling as it goes."""
    assert found.bootstrap is not None
    tag = uuid.uuid4().hex[:8]
    settings = replace(found.settings, topic_prefix=f"soak-{tag}-")
    database_url = fresh_database(found.database_url, f"soak_{tag}")
    asyncio.run(ensure_topics(found.bootstrap, [*settings.input_topics, settings.dlq_topic,
                                                settings.notifications_topic], settings.partitions))
    lines = generate(int(minutes * 60 * rate) + partners + 1, partners).lines
    report = SoakReport(minutes, rate, partners)
    worker = BenchWorker(settings, found.bootstrap, database_url, "soak")
    try:
        wait_for_writer(database_url, say)
        _soak(found.bootstrap, settings, database_url, lines, report, worker, say)
    finally:
        worker.stop()
        drop_databases(found.database_url, [f"soak_{tag}"])
    return report


def _soak(bootstrap: str, settings: Settings, database_url: str, lines: list[str], report: SoakReport,
          worker: BenchWorker, say: Say) -> None:
    offered: set[str] = set()
    started = time.monotonic()
    publisher = threading.Thread(target=lambda: asyncio.run(_publish(bootstrap, settings, lines, report.rate,
                                                                       offered)), daemon=True)
    publisher.start()
    every = report.minutes * 60 / SAMPLES
    with psycopg.connect(database_url, autocommit=True) as conn:
        for n in range(1, SAMPLES + 1):
            time.sleep(max(0.0, started + n * every - time.monotonic()))
            report.samples.append(_sample(conn, started, len(offered), worker))
            say(f"{report.samples[-1]}")
        publisher.join()
        loaded_until = time.monotonic()
        wait_for(lambda: decided_count(conn) >= len(offered) and ledger_status(conn).max_lag == 0,
                 "the ledger to catch up after the load", 3600, say)
        report.caught_up_s = time.monotonic() - loaded_until
        report.samples.append(_sample(conn, started, len(offered), worker))


def _sample(conn: psycopg.Connection[tuple[object, ...]], started: float, offered: int, worker: BenchWorker) -> Sample:
    status = ledger_status(conn)
    decided = decided_count(conn)
    rss = worker.samples[-1][1] / 2**20 if worker.samples else 0.0
    return Sample(round(time.monotonic() - started, 1), offered, decided, max(0, offered - decided), status.max_lag,
                  round(rss, 1), status.dead_letters)


async def _publish(bootstrap: str, settings: Settings, lines: list[str], rate: int, offered: set[str]) -> None:
    producer = plain_producer(bootstrap)
    await producer.start()
    start = time.monotonic()
    try:
        for n, line in enumerate(lines):
            await asyncio.sleep(max(0.0, n / rate - (time.monotonic() - start)))
            topic, key, value = route(line, settings)
            await producer.send(topic, value=value, key=key)
            offered.add(json.loads(value)["event_id"])
        await producer.flush()
    finally:
        await producer.stop()
