"""`ledger bench`: publish a synthetic workload and measure the ledger against the raw limits."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import psycopg

from ledger.database import ledger_env
from ledger.service import Ledger
from ledger.store import codec
from ledger.store.postgres import PostgresStore
from ledger.store.postgres_log import entry_id
from ledger.store.verify import verify
from ledger.writer import received
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from projections.status import decided_count, ledger_status
from streams.bench.catchup import (
    end_offsets,
    ledger_progress,
    ledger_reached,
    projections_reached_head,
    wait_for,
    wait_for_writer,
)
from streams.bench.figures import Figures, machine
from streams.bench.oracle import ORACLE_MAX_EVENTS, expected_totals, ledger_totals
from streams.bench.raw import consume_rate, copy_rate
from streams.bench.worker_proc import STAGES, BenchWorker
from streams.bench.workload import Workload, generate
from streams.kafka import ensure_topics, plain_producer
from streams.producer import produce_lines
from streams.services import Services
from streams.settings import Settings

Say = Callable[[str], None]
NAIVE_SAMPLE = 1_000
LAG_PREFIX = "LAG"


def run_bench(found: Services, events: int, partners: int, rate: int, say: Say, workers: int = 1) -> Figures:
    """Every figure of one run, measured on this machine."""
    assert found.bootstrap is not None
    tag = uuid.uuid4().hex[:8]
    settings = replace(found.settings, topic_prefix=f"bench-{tag}-", batch_size=1000)
    database_url = fresh_database(found.database_url, f"bench_{tag}")
    workload = generate(events, partners)
    figures = Figures(events=len(workload.lines), distinct_events=workload.distinct, sales=workload.sales,
                      partners=partners,
                      offered_rate=rate, workers=workers, machine=machine(found))
    asyncio.run(ensure_topics(found.bootstrap, [*settings.input_topics, settings.dlq_topic,
                                                settings.notifications_topic], settings.partitions))
    # One projection process for the group: more would only take turns on the same rows.
    group = [BenchWorker(settings, found.bootstrap, database_url, f"bench-{n}",
                         projections=n == 0) for n in range(workers)]
    try:
        wait_for_writer(database_url, say)
        say(f"publishing {len(workload.lines):,} events…")
        _end_to_end(figures, group, found.bootstrap, settings, database_url, workload, say)
        figures.lag_p50_ms, figures.lag_p99_ms = _lag_at_rate(found.bootstrap, settings, database_url, rate, say)
    finally:
        for worker in group:
            worker.stop()
        figures.worker_peak_rss_mb = sum(worker.peak_mb() for worker in group)
        figures.batches, figures.batch_retries = map(sum, zip(*(worker.batches() for worker in group), strict=True))
        figures.us_per_message = us_per_message([worker.seconds_by_stage() for worker in group])
    _rebuild(figures, database_url, say)
    _restart(figures, database_url, say)
    _verify(figures, database_url, say)
    say("measuring the raw limits…")
    figures.copy_rows_per_s = copy_rate(database_url, max(figures.ledger_head, 1))
    figures.raw_consume_per_s = consume_rate(found.bootstrap, settings.input_topics, len(workload.lines))
    figures.naive_events_per_s = _naive(found.database_url, f"bench_naive_{tag}", workload)
    drop_databases(found.database_url, [f"bench_{tag}", f"bench_naive_{tag}"])
    # Last, so it competes with no measurement for the two cores.
    if len(workload.lines) <= ORACLE_MAX_EVENTS:
        say("deciding the same workload in memory for the expected totals…")
        figures.expected_totals = expected_totals(workload.lines)
        figures.totals_match = figures.ledger_totals == figures.expected_totals
    else:
        say(f"totals not checked: the in-memory ledger checks runs of at most {ORACLE_MAX_EVENTS:,} events")
    return figures


def us_per_message(splits: list[dict[str, float]]) -> dict[str, float]:
    """Microseconds per message read, by stage, over every worker of the run."""
    messages = sum(split["messages"] for split in splits) or 1.0
    return {stage: round(sum(split[stage] for split in splits) / messages * 1e6, 1) for stage in STAGES}


def drop_databases(url: str, names: list[str]) -> None:
    # Scratch databases of this run; the figures are what is kept.
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_database(url: str, name: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def _end_to_end(figures: Figures, group: list[BenchWorker], bootstrap: str, settings: Settings, database_url: str,
                workload: Workload, say: Say) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        wait_for(lambda: _ready(conn), "the worker to start", 120)
        started = time.monotonic()
        asyncio.run(produce_lines(bootstrap, settings, workload.lines,
                                  on_sent=lambda n: n % 100_000 == 0 and say(f"published {n:,}…")))
        ends = end_offsets(bootstrap, settings.input_topics)
        projections = len(all_projections())
        wait_for(lambda: ledger_reached(conn, ends) and projections_reached_head(conn, projections),
                 "the ledger and projections to catch up", 3 * 3600, say, lambda: ledger_progress(conn, ends))
        # Twice, on a loaded machine, those offsets were reached with a few hundred events not yet
        # decided (none parked; all decided moments later). The cause is not pinned down, so the
        # run ends only when every distinct event is decided and projected, and says what is missing.
        wait_for(lambda: decided_count(conn) >= workload.distinct and projections_reached_head(conn, projections),
                 f"the ledger to decide all {workload.distinct:,} distinct events", 600, say,
                 lambda: _undecided(conn, workload.distinct, ends, end_offsets(bootstrap, settings.input_topics)),
                 every_s=1.0)
        ended = time.monotonic()
        head = ledger_status(conn).head
    figures.end_to_end_events_per_s = workload.distinct / (ended - started)
    figures.ledger_rows_per_s = head / (ended - started)
    quarters = [worker.mb_by_quarter(started, ended) for worker in group]
    figures.worker_rss_mb_by_quarter = [round(sum(q), 1) for q in zip(*quarters, strict=True)]
    quarters = [worker.mb_by_quarter(started, ended, children_only=True) for worker in group]
    figures.projections_rss_mb_by_quarter = [round(sum(q), 1) for q in zip(*quarters, strict=True)]


def _lag_at_rate(bootstrap: str, settings: Settings, database_url: str, rate: int, say: Say) -> tuple[float, float]:
    count = max(rate * 5, 50)
    lines, sent_at = _paced_sales(count), {}
    say(f"offering {count:,} sales at {rate:,}/s to measure ledger lag…")

    async def publish() -> None:
        producer = plain_producer(bootstrap)
        await producer.start()
        try:
            for n, line in enumerate(lines):
                await asyncio.sleep(max(0.0, n / rate - (time.time() - start)))
                sent_at[f"lag-{n}"] = time.time()
                await producer.send(settings.topic("sales"), line.encode(), key=b"partner-0")
            await producer.flush()
        finally:
            await producer.stop()
    start = time.time()
    asyncio.run(publish())
    ends = end_offsets(bootstrap, [settings.topic("sales")])
    with psycopg.connect(database_url, autocommit=True) as conn:
        wait_for(lambda: ledger_reached(conn, ends), "the paced sales", 3600)
        rows = conn.execute("SELECT state FROM ledger.entries WHERE originator_id = ANY(%s) AND originator_version = 1",
                            ([entry_id(event_id) for event_id in sent_at],)).fetchall()
    recorded = [codec.decode(bytes(row[0])) for row in rows]
    lags = sorted(max(0.0, r.recorded_us / 1e6 - sent_at[r.key]) * 1000 for r in recorded)
    return statistics.median(lags), lags[min(len(lags) - 1, int(len(lags) * 0.99))]


def _paced_sales(count: int) -> list[str]:
    return [json.dumps({"event_id": f"lag-{n}", "type": "sale.completed", "occurred_at": "2026-06-01T00:00:00+00:00",
                        "sale_id": f"{LAG_PREFIX}{n}", "partner_id": "partner-0", "product_id": "plan",
                        "amount": {"amount": 1_000, "currency": "USD"}, "customer": {"contact_id": f"l{n}"}})
            for n in range(count)]


def _rebuild(figures: Figures, database_url: str, say: Say) -> None:
    say("rebuilding every projection from position 0…")
    runner = ProjectionRunner(database_url, all_projections())
    figures.ledger_head = runner.head()
    started = time.perf_counter()
    # Every projection rebuilt together: ledger positions per second through all of them.
    runner.rebuild_together(all_projections())
    figures.rebuild_positions_per_s = figures.ledger_head / (time.perf_counter() - started)
    runner.close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        figures.final_max_lag = ledger_status(conn).max_lag
        figures.dead_letter_reasons = {str(reason): int(str(count)) for reason, count in conn.execute(
            "SELECT reason, count(*) FROM ledger.dead_letters GROUP BY 1 ORDER BY 2 DESC").fetchall()}
        figures.dead_letters = sum(figures.dead_letter_reasons.values())
        figures.parked_at_end = _parked(conn)
        # The paced lag-measurement sales are left out, so the totals compare with the workload.
        figures.ledger_totals = ledger_totals(conn, exclude_prefix=LAG_PREFIX)


def _restart(figures: Figures, database_url: str, say: Say) -> None:
    """A writer taking over the finished ledger: how long until it can decide again, and its state's memory."""
    say("restarting a writer on the finished ledger…")
    before = _rss_mb()
    started = time.perf_counter()
    ledger = Ledger(ledger_env(database_url))
    ledger.become_writer()
    figures.restart_s = time.perf_counter() - started
    figures.restored_state_mb = _rss_mb() - before
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT (SELECT coalesce(max(notification_id), 0) FROM ledger.entries) - "
                           "coalesce((SELECT max(position) FROM ledger.snapshots), 0)").fetchone()
    figures.restart_tail_entries = int(str(row[0])) if row else 0
    ledger.close()


def _verify(figures: Figures, database_url: str, say: Say) -> None:
    """`ledger verify` over the whole finished log."""
    say("verifying the log's hash chain…")
    store = PostgresStore.connect(ledger_env(database_url))
    started = time.perf_counter()
    found = verify(store.datastore, store.sql)
    figures.verify_positions_per_s = found.checked / max(time.perf_counter() - started, 1e-9)
    figures.verified_intact = found.intact
    store.close()


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _undecided(conn: psycopg.Connection[tuple[object, ...]], distinct: int, ends: dict[tuple[str, int], int],
               now: dict[tuple[str, int], int]) -> str:
    moved = {key: (ends.get(key), end) for key, end in now.items() if ends.get(key) != end}
    return (f"{distinct - decided_count(conn):,} events not decided yet, {_parked(conn):,} parked; "
            f"end offsets that moved since publishing: {moved or 'none'}")


def _parked(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    row = conn.execute("SELECT parked FROM ledger.writer WHERE id = 1").fetchone()
    return int(str(row[0])) if row else 0


def _naive(admin_url: str, name: str, workload: Workload) -> float:
    """One transaction per event: what batching saves."""
    ledger = Ledger(ledger_env(fresh_database(admin_url, name)))
    ledger.become_writer()
    items = [received(line.encode()) for line in workload.lines[:NAIVE_SAMPLE]]
    started = time.perf_counter()
    for item in items:
        ledger.apply_batch([item])
    rate = len(items) / (time.perf_counter() - started)
    ledger.close()
    return rate


def _ready(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    row = conn.execute("SELECT to_regclass('projections.tracking') IS NOT NULL").fetchone()
    return bool(row and row[0])


def write_json(figures: Figures, path: Path | None) -> None:
    """Save the figures if asked to."""
    if path is not None:
        figures.write(path)
