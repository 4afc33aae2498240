"""Time (and optionally profile) the ledger's decider in process: no broker, embedded PostgreSQL.

    .venv/bin/python scripts/profile_ledger.py --events 20000 [--profile out.prof]

It generates the bench workload, parses it, and applies it with `LedgerApp.apply_batch` in
batches of `--batch`, as the worker does, then prints events/s for parsing and for deciding
(split into deciding and saving per input event), and how long encoding the stored events
alone takes: a floor under saving, in the library's stored format.
"""

from __future__ import annotations

import argparse
import cProfile
import tempfile
import time
from pathlib import Path

import psycopg

from ledger.application import LedgerApp
from ledger.batch import Inbound
from ledger.database import ledger_env
from schemas.parsing import parse_event
from streams.bench.workload import generate
from streams.embedded import start_postgres


def main() -> None:
    """Parse the arguments, run, print the rates."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    items = _parse([line.encode() for line in generate(args.events, args.partners).lines])
    with tempfile.TemporaryDirectory() as home:
        server, url = start_postgres(Path(home))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS ledger CASCADE")
        app = LedgerApp(env=ledger_env(url))
        _decide(app, items, args.batch, args.profile)
        _encode(app, len(items))
        app.close()
        server.cleanup()


def _parse(lines: list[bytes]) -> list[Inbound]:
    started = time.perf_counter()
    items = [Inbound(parse_event(line), line) for line in lines]
    print(f"parse: {len(items) / (time.perf_counter() - started):,.0f} events/s")
    return items


def _decide(app: LedgerApp, items: list[Inbound], batch: int, profile: Path | None) -> None:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    decide_s = encode_s = save_s = 0.0
    for n in range(0, len(items), batch):
        result = app.apply_batch(items[n:n + batch])
        decide_s, encode_s, save_s = decide_s + result.decide_s, encode_s + result.encode_s, save_s + result.save_s
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    per = 1e6 / len(items)
    print(f"decide and save: {len(items) / (time.perf_counter() - started):,.0f} events/s; per event "
          f"{decide_s * per:,.0f} µs deciding, {encode_s * per:,.0f} µs encoding, {save_s * per:,.0f} µs writing")


def _encode(app: LedgerApp, inputs: int) -> None:
    """How long the library's mapper takes to encode what was stored: a floor under saving, best of five."""
    events = [app.mapper.to_domain_event(s) for s in app.recorder.select_notifications(1, 10**8)]
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for event in events:
            app.mapper.to_stored_event(event)
        best = min(best, time.perf_counter() - started)
    print(f"encode only: {best / len(events) * 1e6:.1f} µs per stored event, {len(events) / inputs:.2f} stored "
          f"events and {best / inputs * 1e6:.0f} µs per input event")


if __name__ == "__main__":
    main()
