"""The worker under measurement: a `ledger run` subprocess, and its memory over time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psutil

from streams.settings import Settings

SAMPLE_EVERY_S = 0.25
STAGES = ("parse", "decide", "encode", "save", "chain")  # as the worker logs each batch; chain is part of save


class BenchWorker:
    """`ledger run --no-api` on the run's own topics and database; samples the RSS of it and its children."""

    def __init__(self, settings: Settings, bootstrap: str, database_url: str,
                 name: str = "bench", projections: bool = True) -> None:
        env = os.environ | {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                            "LEDGER_TOPIC_PREFIX": settings.topic_prefix,
                            "LEDGER_BATCH_SIZE": str(settings.batch_size),
                            "LEDGER_HOME": str(settings.home / name)}
        (settings.home / name).mkdir(parents=True, exist_ok=True)
        self.log_path = settings.home / name / "worker.log"
        command = [sys.executable, "-m", "streams.cli", "--json-logs", "--log-level", "INFO", "run", "--no-api"]
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen([*command, *([] if projections else ["--no-projections"])], env=env,
                                             stdout=subprocess.DEVNULL, stderr=log)
        self.samples: list[tuple[float, int, int]] = []  # (monotonic time, bytes in all, bytes in children)
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        ps = psutil.Process(self._process.pid)
        while self._process.poll() is None:
            try:  # the worker and its projection process
                own = ps.memory_info().rss
                children = sum(p.memory_info().rss for p in ps.children(recursive=True))
            except psutil.Error:
                return
            self.samples.append((time.monotonic(), own + children, children))
            time.sleep(SAMPLE_EVERY_S)

    def stop(self) -> None:
        """SIGTERM, as an operator would; the worker finishes its batch and exits."""
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def batches(self) -> tuple[int, int]:
        """(batches applied, extra attempts after a conflict with another writer), from its JSON log."""
        logged = self._batch_records()
        return len(logged), sum(int(r.get("attempts", 1)) - 1 for r in logged)

    def seconds_by_stage(self) -> dict[str, float]:
        """Seconds the worker spent parsing, deciding, encoding and writing, and messages read."""
        logged = self._batch_records()
        split = {stage: sum(float(r.get(f"{stage}_s", 0.0)) for r in logged) for stage in STAGES}
        return split | {"messages": float(sum(int(r.get("size", 0)) for r in logged))}

    def _batch_records(self) -> list[dict[str, object]]:
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == "batch_applied":
                found.append(record)
        return found

    def peak_mb(self) -> float:
        """The highest RSS seen."""
        return max((rss for _, rss, _ in self.samples), default=0) / 2**20

    def mb_by_quarter(self, started: float, ended: float, children_only: bool = False) -> list[float]:
        """The highest RSS up to each quarter of the interval: flat if memory does not grow with history."""
        span = max(ended - started, 1e-9)
        column = 2 if children_only else 1
        return [round(max((s[column] for s in self.samples if s[0] <= started + span * q / 4), default=0) / 2**20, 1)
                for q in range(1, 5)]
