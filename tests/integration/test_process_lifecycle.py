"""`ledger run` as an operator meets it: one per home, a busy port refused, SIGTERM to its group stops all of it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from streams.embedded import free_port
from tests.builders import joined, program, sale
from tests.integration.harness import Harness, processes, wait_for

pytestmark = pytest.mark.integration
RUNNING = "ledger is running"


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "streams.cli", "--log-level", "INFO", "run", *args], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (a zombie waiting for its reaper does not)."""
    return any(p.group == pgid and p.state != "Z" for p in processes())


def _processes_using(home: Path) -> list[int]:
    """Processes whose command line names a path under `home` (the embedded services)."""
    return [p.pid for p in processes() if str(home).encode() in p.command]


def test_a_second_ledger_run_on_the_same_home_is_refused_with_what_to_do(harness: Harness, tmp_path: Path) -> None:
    first = _start(harness.env, tmp_path / "first.log", "--no-api")
    harness.track(first, tmp_path / "first.log")
    wait_for(lambda: RUNNING in (tmp_path / "first.log").read_text(), "the first ledger to run")
    second = _start(harness.env, tmp_path / "second.log", "--no-api")
    assert second.wait(timeout=60) == 2
    assert "another ledger" in (tmp_path / "second.log").read_text() and first.poll() is None


def test_a_busy_api_port_is_an_error_naming_the_option(harness: Harness, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = _start(harness.env, tmp_path / "run.log", "--api-port", str(taken.getsockname()[1]))
        assert process.wait(timeout=60) == 2
    assert "--api-port" in (tmp_path / "run.log").read_text()


def test_sigterm_to_the_process_group_stops_ledger_run_and_what_it_started(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    env |= {"LEDGER_HOME": str(tmp_path / "home"), "LEDGER_TOPIC_PREFIX": "lifecycle-"}
    process = _start(env, tmp_path / "run.log", "--no-api")
    try:
        wait_for(lambda: process.poll() is None and RUNNING in (tmp_path / "run.log").read_text(), "ledger to run")
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        wait_for(lambda: not _group_alive(process.pid), "every process of the group to end", 30)
        wait_for(lambda: not _processes_using(tmp_path / "home"), "the embedded PostgreSQL and broker to stop", 30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in _processes_using(tmp_path / "home"):  # the embedded services, in sessions of their own
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_the_worker_serves_its_metrics_on_the_metrics_port(harness: Harness, tmp_path: Path) -> None:
    port = free_port()
    process = _start(harness.env, tmp_path / "run.log", "--no-api", "--metrics-port", str(port))
    harness.track(process, tmp_path / "run.log")
    harness.apply([program(), joined("rex"), sale("S-1", "rex", 1_000)])

    def metrics() -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                body = response.read().decode()
        except OSError:
            return None
        return body if "ledger_events_applied_total 3.0" in body else None
    wait_for(metrics, "the metrics to count the three events applied")


def test_status_counts_messages_left_unread_while_no_worker_runs(harness: Harness) -> None:
    worker = harness.start_worker()
    harness.apply([program(), joined("rex")])
    harness.stop_worker(worker)
    harness.publish([sale(f"S-{n}", "rex", 1_000) for n in range(3)])
    wait_for(lambda: json.loads(harness.ledger("status", "--json").stdout)["unread"] == 3,
             "ledger status to count the three unread sales")
