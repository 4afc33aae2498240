"""Time the msgspec hot-path parser against the pydantic contract on the bench workload.

    .venv/bin/python scripts/parse_speed.py [--events 20000] [--partners 1000] [--rounds 7]

Generates the bench workload (streams/bench/workload.py), checks that both parsers accept every
message with the same values, then prints µs per event for `schemas.wire.decode` (with and
without the wire digest) and for `schemas.parsing.parse_event`: the best of `--rounds` passes, so
that a noisy neighbour inflates no figure.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from schemas.parsing import Invalid, parse_event
from schemas.wire import canonical_digest, decode, decode_strict
from streams.bench.workload import generate


def main() -> None:
    """Parse the arguments, check agreement, print the rates."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    raws = [line.encode() for line in generate(args.events, args.partners).lines]
    _check(raws)
    fast = sum(decode_strict(raw) is not None for raw in raws)
    print(f"{len(raws)} messages, {fast} on the fast path, best of {args.rounds} passes")
    results = {
        "schemas.wire.decode": _per_event(raws, decode, args.rounds),
        "schemas.wire.decode + canonical_digest": _per_event(raws, _decode_and_digest, args.rounds),
        "schemas.parsing.parse_event": _per_event(raws, parse_event, args.rounds),
    }
    for name, micros in results.items():
        print(f"{name:<42} {micros:6.2f} µs/event")
    print(f"parse_event / decode: x{results['schemas.parsing.parse_event'] / results['schemas.wire.decode']:.1f}")


def _check(raws: list[bytes]) -> None:
    for raw in raws:
        wire, contract = decode(raw), parse_event(raw)
        if isinstance(wire, Invalid) or isinstance(contract, Invalid) or wire.event_id != contract.event_id:
            raise SystemExit(f"the parsers disagree on {raw!r}: {wire!r} / {contract!r}")


def _decode_and_digest(raw: bytes) -> bytes:
    event = decode(raw)
    return canonical_digest(event) if not isinstance(event, Invalid) else b""


def _per_event(raws: list[bytes], parse: Callable[[bytes], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for raw in raws:
            parse(raw)
        best = min(best, time.perf_counter() - start)
    return best / len(raws) * 1e6


if __name__ == "__main__":
    main()
