"""`ledger demo`: the two-tier example end to end on the embedded defaults."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import psycopg
from rich.console import Console

from ledger.application import LedgerApp
from ledger.database import LEDGER_SCHEMA, ledger_env
from projections.queries import all_balances
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from projections.status import ledger_status
from streams.display import balances_table
from streams.kafka import cluster_id, ensure_topics
from streams.producer import produce_lines
from streams.runtime import BackgroundThreads
from streams.services import Services
from streams.worker import create_worker_app

DEMO_FILE = Path(__file__).parent / "demo" / "two_tier.jsonl"
DEMO_PARTNERS = ("susie", "rex", "maya", "tom")
DEADLINE_S = 120.0


async def run_demo(found: Services, console: Console) -> None:
    """Start the worker and projections, publish the demo, wait until caught up, print, stop."""
    settings, bootstrap = found.settings, found.bootstrap
    assert bootstrap is not None
    settings.home.mkdir(parents=True, exist_ok=True)
    lines = DEMO_FILE.read_text().splitlines()
    event_ids = {json.loads(line)["event_id"] for line in lines if line.strip()}
    await ensure_topics(bootstrap, [*settings.input_topics, settings.dlq_topic, settings.notifications_topic],
                        settings.partitions, settings.replication)
    ledger = LedgerApp(env=ledger_env(found.database_url))
    ProjectionRunner(ledger, found.database_url, all_projections()).close()
    worker = create_worker_app(settings, bootstrap, ledger, await cluster_id(bootstrap))
    background = BackgroundThreads()
    background.start_projections(found.database_url)
    await worker.start()
    try:
        report = await produce_lines(bootstrap, settings, lines)
        console.print(f"published {report.sent} demo events ({len(event_ids)} distinct) to {bootstrap}")
        with console.status("waiting for the ledger and projections to catch up…"):
            await asyncio.to_thread(_wait_until_caught_up, found.database_url, event_ids)
    finally:
        await worker.stop()
        background.shutdown()
        ledger.close()
    _print_result(found.database_url, console)


def _wait_until_caught_up(database_url: str, event_ids: set[str]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            decided = conn.execute(f"SELECT count(*) FROM {LEDGER_SCHEMA}.inbox WHERE event_id = ANY(%s) "
                                   "AND outcome <> 'parked'",
                                   (list(event_ids),)).fetchone()
            if decided and decided[0] == len(event_ids) and ledger_status(conn).max_lag == 0:
                return
            time.sleep(0.2)
    raise TimeoutError(f"the demo did not catch up within {DEADLINE_S:.0f}s; see `ledger status`")


def _print_result(database_url: str, console: Console) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = [r for r in all_balances(conn) if r.partner_id in DEMO_PARTNERS]
        status = ledger_status(conn)
        letters = conn.execute(f"SELECT reason, detail FROM {LEDGER_SCHEMA}.dead_letters ORDER BY id").fetchall()
    console.print(balances_table(rows, title="Demo balances (Rex earns 20%, Susie 5% of Rex's sales)"))
    for reason, detail in letters:
        console.print(f"[yellow]dead letter[/yellow] {reason}: {detail}")
    console.print(f"ledger head {status.head}, projection lag {status.max_lag}, dead letters {status.dead_letters}")
