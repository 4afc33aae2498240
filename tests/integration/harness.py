"""Drives the real system from tests: worker processes, publishing, waiting on outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from projections.status import decided_count, ledger_status
from streams.embedded import free_port
from streams.kafka import ensure_topics
from streams.producer import produce_lines
from streams.settings import Settings
from streams.writer_lock import writer_active

T = TypeVar("T")
DEADLINE_S = 90.0
MAX_RAW_BYTES = 16 * 1024 * 1024  # hostile tests publish messages far over the ledger's bound


def wait_for(condition: Callable[[], T | None], what: str, deadline_s: float = DEADLINE_S, every_s: float = 0.1) -> T:
    """Poll `condition` until it returns something truthy, or fail saying what never happened."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_s:.0f}s waiting for {what}")
        time.sleep(every_s)


@contextmanager
def database_on(admin_url: str) -> Iterator[str]:
    """Create a uniquely named database on the server and drop it afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin_url.partition("?")
    yield f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Harness:
    """One test's ledger: its worker processes, its topics and its database."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.workdir = workdir
        self.workers: list[subprocess.Popen[bytes]] = []
        self.api_port: int | None = None
        self.extra_env: dict[str, str] = {}  # more settings for the workers started from now on
        self.logs: dict[int, Path] = {}  # each process's log, by pid
        asyncio.run(ensure_topics(self.bootstrap, [*settings.input_topics, settings.dlq_topic,
                                                   settings.notifications_topic], settings.partitions))

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *_: object) -> None:
        # The whole group: a worker's projection process must not outlive the test.
        for process in self.workers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def track(self, process: subprocess.Popen[bytes], log: Path) -> None:
        """Stop this process (started in a session of its own) with the test, and show its log if it dies."""
        self.workers.append(process)
        self.logs[process.pid] = log

    @property
    def bootstrap(self) -> str:
        """The broker address."""
        assert self.settings.bootstrap_servers is not None
        return self.settings.bootstrap_servers

    @property
    def env(self) -> dict[str, str]:
        """Environment that points `ledger` commands at this test's services."""
        s = self.settings
        return os.environ | {
            "DATABASE_URL": s.database_url or "", "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "LEDGER_HOME": str(s.home), "LEDGER_TOPIC_PREFIX": s.topic_prefix,
            "LEDGER_PARTITIONS": str(s.partitions), "LEDGER_BATCH_SIZE": str(s.batch_size),
            "LEDGER_BATCH_MS": str(s.batch_ms),
            "LEDGER_MATURATION_INTERVAL_S": str(s.maturation_interval_s)}

    def start_worker(self, api: bool = False, projections: bool = True) -> subprocess.Popen[bytes]:
        """Start `ledger run` in its own process."""
        args = ["--no-api"]
        if api:
            self.api_port = free_port()
            args = ["--api-port", str(self.api_port)]
        if not projections:
            args.append("--no-projections")
        log = (self.workdir / f"worker-{len(self.workers)}.log").open("wb")
        # A home each: one `ledger run` per LEDGER_HOME, as on separate machines.
        home = self.settings.home / f"worker-{len(self.workers)}"
        process = subprocess.Popen([sys.executable, "-m", "streams.cli", "--log-level", "INFO", "run", *args],
                                   env=self.env | self.extra_env | {"LEDGER_HOME": str(home)}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.track(process, Path(log.name))
        return process

    def stop_worker(self, process: subprocess.Popen[bytes], hard: bool = False) -> None:
        """SIGKILL (a crash) or SIGTERM (a clean stop), then wait for the process to end."""
        process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        process.wait(timeout=60)

    def ledger(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `ledger` command against this test's services."""
        return subprocess.run([sys.executable, "-m", "streams.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=120, check=False)

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Publish events to the topics of their types, keyed by partner."""
        lines = [json.dumps(e) for e in events]
        asyncio.run(produce_lines(self.bootstrap, self.settings, lines))

    def apply(self, events: list[dict[str, Any]]) -> None:
        """Publish events and wait until the ledger and projections have applied them."""
        self.publish(events)
        self.wait_until_applied(events)

    def publish_raw(self, topic: str, values: list[bytes]) -> None:
        """Publish raw message values to one (unprefixed) input topic."""
        async def send() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False,
                                        max_request_size=MAX_RAW_BYTES)
            await producer.start()
            try:
                for value in values:
                    await producer.send_and_wait(self.settings.topic(topic), value=value)
            finally:
                await producer.stop()
        asyncio.run(send())

    def dead_letters(self, count: int) -> list[Any]:
        """Read `count` messages from the DLQ topic (waiting for them with a deadline)."""
        return self.read_topic(self.settings.dlq_topic, count)

    def read_topic(self, topic: str, count: int) -> list[Any]:
        """Read at least `count` messages of a topic from the start (waiting with a deadline)."""
        async def read() -> list[Any]:
            consumer = AIOKafkaConsumer(topic, bootstrap_servers=self.bootstrap,
                                        auto_offset_reset="earliest", enable_auto_commit=False,
                                        group_id=None)
            await consumer.start()
            found: list[Any] = []
            try:
                deadline = time.monotonic() + DEADLINE_S
                while len(found) < count and time.monotonic() < deadline:
                    batch = await consumer.getmany(timeout_ms=500)
                    found += [m for messages in batch.values() for m in messages]
            finally:
                await consumer.stop()
            return found
        return asyncio.run(read())

    def wait_until_applied(self, events: list[dict[str, Any]], deadline_s: float = DEADLINE_S) -> None:
        """Wait until every event is decided (not parked) and every projection has caught up."""
        ids = list({e["event_id"] for e in events})
        with psycopg.connect(self.settings.database_url or "", autocommit=True) as conn:
            # The total first (one cheap count), then the ids themselves once.
            wait_for(lambda: self.check_workers() and decided_count(conn) >= len(ids),
                     f"{len(ids)} events to be decided", deadline_s, every_s=0.25)
            wait_for(lambda: self.check_workers() and decided_count(conn, ids) == len(ids),
                     f"{len(ids)} events to be decided", deadline_s, every_s=0.25)
            wait_for(lambda: self.check_workers() and _projections_caught_up(conn), "projections to catch up",
                     deadline_s)

    def wait_for_writer(self) -> None:
        """Wait until one worker holds the writer lock."""
        with psycopg.connect(self.settings.database_url or "", autocommit=True) as conn:
            wait_for(lambda: self.check_workers() and writer_active(conn), "a worker to take the writer lock")

    def writer_process(self, candidates: list[subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """The one of `candidates` that holds the writer lock, by what its log says."""
        def holder() -> subprocess.Popen[bytes] | None:
            for process in candidates:
                log = self.workdir / f"worker-{self.workers.index(process)}.log"
                if "writer_lock_acquired" in log.read_text(errors="replace"):
                    return process
            return None
        return wait_for(holder, "a worker's log to say it took the writer lock")

    def dead_letter_reasons(self) -> Counter[str]:
        """How many dead letters the ledger recorded, by reason."""
        with psycopg.connect(self.settings.database_url or "", autocommit=True) as conn:
            return Counter(dict(conn.execute("SELECT reason, count(*) FROM ledger.dead_letters GROUP BY reason")))

    def report(self) -> dict[str, tuple[int, int, int, int]]:
        """Per partner with earnings, in USD cents: (unpaid, paid, lifetime earned, lifetime reversed)."""
        found = balances(self.settings.database_url or "")
        return {p: (pending + available, paid, earned, reversed_)
                for p, (pending, available, paid, earned, reversed_) in found.items() if earned}

    def decided(self) -> int:
        """How many input events the ledger has decided so far."""
        with psycopg.connect(self.settings.database_url or "", autocommit=True) as conn:
            return decided_count(conn)

    def check_workers(self) -> bool:
        """Fail at once, with its log, if a worker died that the test did not stop."""
        for number, process in enumerate(self.workers):
            if process.poll() is not None and process.returncode not in (0, -9, -15):
                log = self.logs[process.pid].read_text(errors="replace")
                raise AssertionError(f"worker {number} exited with {process.returncode}:\n{log[-3000:]}")
        return True


@dataclass(frozen=True)
class Process:
    """A process as /proc shows it."""

    pid: int
    parent: int
    group: int
    state: str  # "Z" for a zombie waiting for its reaper
    command: bytes


def processes() -> Iterator[Process]:
    """Every process on the machine now (those that end while being read are skipped)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        yield Process(int(entry.name), int(parent), int(group), state, command)


def run_command(database_url: str, bootstrap: str, home: Path, *args: str, **env: str) -> dict[str, Any]:
    """Run a `ledger` command that writes `--json` to a file, against these services; its JSON."""
    output = home / "out.json"
    home.mkdir(parents=True, exist_ok=True)
    variables = os.environ | {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                              "LEDGER_HOME": str(home), "LEDGER_PARTITIONS": "2"} | env
    result = subprocess.run([sys.executable, "-m", "streams.cli", *args, "--json", str(output)], env=variables,
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: dict[str, Any] = json.loads(output.read_text())
    return loaded


def _projections_caught_up(conn: psycopg.Connection[Any]) -> bool:
    status = ledger_status(conn)
    return status.head > 0 and status.max_lag == 0 and bool(status.projections)


def balances(database_url: str) -> dict[str, tuple[int, int, int, int, int]]:
    """(pending, available, paid, earned, reversed) in USD cents by partner, from the projection."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT partner_id, pending, available, paid, lifetime_earned, lifetime_reversed "
                            "FROM projections.partner_balances WHERE currency = 'USD'").fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}
