"""`ledger demo`: the two-tier example end to end on the embedded defaults."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import psycopg
from rich.console import Console

from ledger.database import LEDGER_SCHEMA
from projections.queries import all_balances
from projections.status import decided_count, ledger_status
from streams.display import balances_table, safe
from streams.producer import produce_lines
from streams.runtime import RunOptions, running_ledger
from streams.services import Services

DEMO_FILE = Path(__file__).parent / "demo" / "two_tier.jsonl"
DEMO_PARTNERS = ("susie", "rex", "maya", "tom")
DEADLINE_S = 120.0


async def run_demo(found: Services, console: Console) -> None:
    """Start the worker and projections, publish the demo, wait until caught up, print, stop."""
    bootstrap = found.bootstrap
    assert bootstrap is not None
    lines = DEMO_FILE.read_text().splitlines()
    event_ids = {json.loads(line)["event_id"] for line in lines if line.strip()}
    async with running_ledger(found, RunOptions(api_port=None)):
        report = await produce_lines(bootstrap, found.settings, lines)
        console.print(f"published {report.sent} demo events ({len(event_ids)} distinct) to {bootstrap}")
        with console.status("waiting for the ledger and projections to catch up…"):
            await asyncio.to_thread(_wait_until_caught_up, found.database_url, event_ids)
    _print_result(found.database_url, console)


def _wait_until_caught_up(database_url: str, event_ids: set[str]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if decided_count(conn, list(event_ids)) == len(event_ids) and ledger_status(conn).max_lag == 0:
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
        console.print(f"[yellow]dead letter[/yellow] {reason}: {safe(detail)}")
    console.print(f"ledger head {status.head}, projection lag {status.max_lag}, dead letters {status.dead_letters}")
