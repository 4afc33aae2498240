"""The benchmark's figures, their ratios, and how they are printed."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from rich.console import Console
from rich.table import Table

from streams.bench.oracle import ORACLE_MAX_EVENTS
from streams.services import Services


@dataclass
class Figures:
    """Everything one `ledger bench` run measured, on this machine, in this run."""

    events: int = 0
    distinct_events: int = 0
    sales: int = 0  # distinct sales among the events
    partners: int = 0
    end_to_end_events_per_s: float = 0.0
    lag_p50_ms: float | None = None
    lag_p99_ms: float | None = None
    offered_rate: int = 0
    workers: int = 1
    batches: int = 0
    batch_retries: int = 0
    # Worker time per message read, by stage (parse, decide with its reads, encode, save = the write).
    us_per_message: dict[str, float] = field(default_factory=dict)
    ledger_rows_per_s: float = 0.0
    rebuild_positions_per_s: float = 0.0
    restart_s: float = 0.0  # a new writer on the finished ledger: snapshot loaded, log tail replayed
    restart_tail_entries: int = 0  # log entries replayed after the snapshot
    restored_state_mb: float = 0.0  # what that restore added to the process's resident memory
    verify_positions_per_s: float = 0.0  # `ledger verify` over the finished log: every leaf and link recomputed
    verified_intact: bool | None = None
    worker_peak_rss_mb: float = 0.0
    worker_rss_mb_by_quarter: list[float] = field(default_factory=list)
    projections_rss_mb_by_quarter: list[float] = field(default_factory=list)  # the part of the above
    copy_rows_per_s: float = 0.0
    raw_consume_per_s: float = 0.0
    naive_events_per_s: float = 0.0
    ledger_head: int = 0
    final_max_lag: int = -1
    dead_letters: int = -1  # the workload is valid: every one would be a wrongly refused event
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)
    parked_at_end: int = -1
    totals_match: bool | None = None  # None: the run was too large to check
    ledger_totals: dict[str, int] = field(default_factory=dict)
    expected_totals: dict[str, int] = field(default_factory=dict)
    machine: dict[str, str] = field(default_factory=dict)

    def ratios(self) -> dict[str, float | None]:
        """Ours against the raw limits and the naive baseline."""
        def ratio(ours: float, other: float) -> float | None:
            return round(ours / other, 4) if other else None
        # The ledger writes several rows per input event: COPY compares with the rows it wrote.
        return {"ours_over_copy": ratio(self.ledger_rows_per_s, self.copy_rows_per_s),
                "ours_over_raw_consume": ratio(self.end_to_end_events_per_s, self.raw_consume_per_s),
                "ours_over_naive": ratio(self.end_to_end_events_per_s, self.naive_events_per_s)}

    def chain_share(self) -> float | None:
        """The hash chain's part of the worker's time per message (it is inside the write)."""
        total = sum(self.us_per_message.get(s, 0.0) for s in ("parse", "decide", "encode", "save"))
        return round(self.us_per_message.get("chain", 0.0) / total, 4) if total else None

    def _chain_share(self) -> str:
        share = self.chain_share()
        return "—" if share is None else f"{self.us_per_message.get('chain', 0):,.1f} µs, {share:.1%} of the worker's time"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the ratios."""
        return asdict(self) | {"ratios": self.ratios(), "chain_share": self.chain_share()}

    def write(self, path: Path) -> None:
        """Save as JSON."""
        path.write_text(json.dumps(self.as_dict(), indent=2))

    def print(self, console: Console) -> None:
        """A table of the figures."""
        table = Table(title=f"ledger bench: {self.events:,} events ({self.sales:,} sales), {self.partners:,} partners, "
                            f"{self.workers} worker{'s' if self.workers > 1 else ''}",
                      caption=", ".join(f"{k} {v}" for k, v in self.machine.items()))
        table.add_column("figure")
        table.add_column("value", justify="right")
        rows = [
            ("end to end (publish → ledger and projections caught up)", f"{self.end_to_end_events_per_s:,.0f} events/s"),
            (f"ledger lag at {self.offered_rate} events/s offered, p50 / p99",
             f"{self.lag_p50_ms or 0:,.0f} / {self.lag_p99_ms or 0:,.0f} ms"),
            ("ledger rows written during end to end", f"{self.ledger_rows_per_s:,.0f} rows/s"),
            ("projection rebuild from 0 (all together)", f"{self.rebuild_positions_per_s:,.0f} positions/s"),
            ("restart: a new writer restored (snapshot + log tail), its state's memory",
             f"{self.restart_s:,.1f} s ({self.restart_tail_entries:,} replayed), {self.restored_state_mb:,.0f} MB"),
            ("verify: the hash chain recomputed over the whole log",
             f"{self.verify_positions_per_s:,.0f} positions/s" + ("" if self.verified_intact else ", NOT INTACT")),
            ("worker peak resident memory (with its projection process)", f"{self.worker_peak_rss_mb:,.0f} MB"),
            ("worker memory by quarter of the run (of which projections)",
             " / ".join(f"{mb:,.0f} ({part:,.0f})" for mb, part in
                        zip(self.worker_rss_mb_by_quarter, self.projections_rss_mb_by_quarter, strict=False)) + " MB"),
            ("raw: PostgreSQL COPY, same row count", f"{self.copy_rows_per_s:,.0f} rows/s"),
            ("raw: plain aiokafka consume, same topics", f"{self.raw_consume_per_s:,.0f} messages/s"),
            ("naive: one transaction per event", f"{self.naive_events_per_s:,.0f} events/s"),
            ("batches (one transaction each)", f"{self.batches:,}"),
            ("worker time per message: parse / decide / encode / write",
             " / ".join(f"{self.us_per_message.get(s, 0):,.0f}" for s in ("parse", "decide", "encode", "save")) + " µs"),
            ("of the write, the hash chain (leaves, a block a batch, seals)", self._chain_share()),
            ("dead letters / events still parked at the end", f"{self.dead_letters:,} / {self.parked_at_end:,}"
             + "".join(f"; {reason} {count:,}" for reason, count in self.dead_letter_reasons.items())),
            ("lag at the end / ledger totals = expected", f"{self.final_max_lag} / "
             + (f"not checked (over {ORACLE_MAX_EVENTS:,} events)" if self.totals_match is None
                else str(self.totals_match))),
        ]
        rows += [(name.replace("_", " "), "—" if value is None else f"{value:.4f}") for name, value in self.ratios().items()]
        for name, value in rows:
            table.add_row(name, value)
        console.print(table)


def machine(found: Services) -> dict[str, str]:
    """What the figures were measured on."""
    with psycopg.connect(found.database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return {"cpus": str(os.cpu_count()), "cpu": _cpu_model(), "memory_gb": f"{psutil.virtual_memory().total / 2**30:.0f}",
            "python": platform.python_version(), "postgresql": str(row[0] if row else "?"),
            "postgresql_kind": "embedded" if found.embedded_postgres else "external",
            "broker": "embedded Tansu" if found.embedded_broker else "external Kafka"}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
