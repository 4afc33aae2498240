"""Prometheus metrics of the worker: messages read, events applied, dead letters, batch latency, backlog."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from ledger.core.messages import DeadLetter
from ledger.writer import Outcome


class WorkerMetrics:
    """The worker's counters, in a registry of their own so tests and processes do not share them."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.messages_read = Counter("ledger_messages_read", "Input messages read and decided", registry=r)
        self.events_applied = Counter("ledger_events_applied", "Input events applied to the ledger", registry=r)
        self.duplicates = Counter("ledger_duplicates", "Input events already applied (redelivered)", registry=r)
        self.dead_letters = Counter("ledger_dead_letters", "Messages refused, by reason", ["reason"], registry=r)
        self.batch_seconds = Histogram("ledger_batch_seconds", "Time to decide and record one batch", registry=r,
                                       buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.input_backlog = Gauge("ledger_input_backlog", "Input messages not yet read (-1: not known yet)",
                                   registry=r)
        self.loop_failures = Counter("ledger_loop_failures", "Failures that made the worker read a batch again",
                                     registry=r)
        self.input_backlog.set(-1)

    def batch_done(self, size: int, result: Outcome, seconds: float) -> None:
        """Count one recorded batch."""
        self.messages_read.inc(size)
        self.events_applied.inc(result.applied)
        self.duplicates.inc(result.duplicates)
        self.dead_lettered(result.dead_letters)
        self.batch_seconds.observe(seconds)

    def dead_lettered(self, letters: Sequence[DeadLetter]) -> None:
        """Count refused messages by reason."""
        for letter in letters:
            self.dead_letters.labels(letter.reason.value).inc()

    def backlog(self, messages: int | None) -> None:
        """What the consumer knows is still unread."""
        self.input_backlog.set(-1 if messages is None else messages)
