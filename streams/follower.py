"""The projection runner in a process of its own, so read models and the ledger use both cores."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing.synchronize import Event as ProcessEvent

from ledger.application import LedgerApp
from ledger.database import ledger_env
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from streams.allocator import tune_allocator
from streams.logs import configure_logging, current_logging

STOP_TIMEOUT_S = 15.0


class ProjectionProcess:
    """Follows the ledger log with every projection until stopped (or its parent is gone)."""

    def __init__(self, database_url: str) -> None:
        # spawn, not fork: the parent holds threads, an event loop and open connections.
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._process = context.Process(target=follow_ledger, name="ledger-projections", daemon=True,
                                        args=(database_url, self._stop, os.getpid(), current_logging()))

    def start(self) -> None:
        """Start the process."""
        self._process.start()

    def stop(self) -> None:
        """Let the current batch finish, then end the process."""
        self._stop.set()
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_TIMEOUT_S)


def follow_ledger(database_url: str, stop: ProcessEvent, parent_pid: int, logging_args: tuple[str, bool]) -> None:
    """The child process: apply the ledger log to every projection until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us in order
    configure_logging(*logging_args)
    tune_allocator()
    stopping = threading.Event()

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent_pid:
                break
        stopping.set()
    threading.Thread(target=watch, daemon=True).start()
    runner = ProjectionRunner(LedgerApp(env=ledger_env(database_url)), database_url, all_projections())
    try:
        runner.run_forever(stopping)
    finally:
        runner.close()
