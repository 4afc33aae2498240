"""Time the new core in process, without I/O: parse, decide (the fold), encode the log records.

    .venv/bin/python scripts/profile_core.py --events 200000 --partners 10000 [--profile out.prof]

It generates the bench workload and runs it through the hot-path parser, the batch fold over the
writer's state, and the log codec, in batches of `--batch`, and prints µs per event for each.
"""

from __future__ import annotations

import argparse
import cProfile
import time
from pathlib import Path

from ledger.core.batch import Fold
from ledger.core.messages import Received
from ledger.core.state import State
from ledger.core.waiting import Waiting
from ledger.store import codec
from schemas.parsing import Invalid
from schemas.wire import canonical_digest, decode
from streams.bench.workload import generate


def main() -> None:
    """Parse the arguments, run, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    lines = [line.encode() for line in generate(args.events, args.partners).lines]
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    parse_s = decide_s = encode_s = 0.0
    state, waiting, seen = State(), Waiting(), {}
    entries = 0
    for n in range(0, len(lines), args.batch):
        t0 = time.perf_counter()
        items = []
        for raw in lines[n:n + args.batch]:
            event = decode(raw)
            items.append(Received(event, raw, None, None if isinstance(event, Invalid) else canonical_digest(event)))
        t1 = time.perf_counter()
        fold = Fold(state, waiting, seen, time.time_ns() // 1000)
        for item in items:
            fold.receive(item)
        t2 = time.perf_counter()
        records = [codec.encode(entry, 0) for entry in fold.entries]
        t3 = time.perf_counter()
        parse_s, decide_s, encode_s = parse_s + t1 - t0, decide_s + t2 - t1, encode_s + t3 - t2
        entries += len(records)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    per = 1e6 / len(lines)
    total = parse_s + decide_s + encode_s
    print(f"{len(lines):,} messages, {entries:,} log entries, {len(waiting):,} still parked")
    print(f"per message: parse {parse_s * per:.1f} µs, decide {decide_s * per:.1f} µs, encode {encode_s * per:.1f} µs;"
          f" {len(lines) / total:,.0f} messages/s in one thread")


if __name__ == "__main__":
    main()
