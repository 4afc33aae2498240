"""The projection runner in a process of its own, so read models and the ledger use both cores.

With notifications on, the same process follows the log for the notification feed too (in the same
batches, so each record is read and decoded once) and sends the deliveries: nothing of it competes
with the writer for its process's interpreter lock.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from contextlib import suppress
from multiprocessing.connection import Connection

import structlog

from projections.base import Projection
from projections.notify.feed import NotificationFeed
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from streams.allocator import tune_allocator
from streams.logs import configure_logging, current_logging
from streams.notify.dispatcher import Dispatcher

STOP_TIMEOUT_S = 15.0
MAX_RESTART_DELAY_S = 30.0
log = structlog.get_logger("ledger.projections")


class ProjectionProcess:
    """Follows the ledger log with every projection until stopped (or its parent is gone)."""

    def __init__(self, database_url: str, notify: bool = False) -> None:
        # spawn, not fork: the parent holds threads, an event loop and open connections.
        context = multiprocessing.get_context("spawn")
        # A pipe, not a multiprocessing Event: a child that dies inside Event.wait() leaves the
        # Event's condition waiting for it, and the parent's set() then blocks for ever.
        receiving, self._stop = context.Pipe(duplex=False)
        self._started = time.monotonic()
        self._process = context.Process(target=follow_ledger, name="ledger-projections", daemon=True,
                                        args=(database_url, receiving, os.getpid(), current_logging(), notify))

    def start(self) -> None:
        """Start the process."""
        self._process.start()
        self._started = time.monotonic()

    def alive(self) -> bool:
        """Whether the process runs."""
        return self._process.is_alive()

    def uptime(self) -> float:
        """Seconds since it started."""
        return time.monotonic() - self._started

    def exitcode(self) -> int | None:
        """How it ended, if it did."""
        return self._process.exitcode

    def stop(self) -> None:
        """Let the current batch finish, then end the process."""
        with suppress(OSError):  # it is gone already: nothing reads the pipe
            self._stop.send(True)
        self._process.join(STOP_TIMEOUT_S)
        if self._process.is_alive():
            self._process.kill()  # it ignores SIGTERM (the parent orders its stop), so terminate() would not do
            self._process.join(STOP_TIMEOUT_S)


class ProjectionSupervisor:
    """Keeps a projection process running: one that dies is restarted, after a wait that grows."""

    def __init__(self, database_url: str, notify: bool = False) -> None:
        self.database_url, self.notify = database_url, notify
        self._current = ProjectionProcess(database_url, notify)
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="projections-supervisor", daemon=True)

    def start(self) -> None:
        """Start the process and watch it."""
        self._current.start()
        self._watcher.start()

    def alive(self) -> bool:
        """Whether the projection process runs now."""
        return self._current.alive()

    def stop(self) -> None:
        """Stop watching, then stop the process."""
        self._stopping.set()
        self._watcher.join(timeout=5)
        self._current.stop()

    def _watch(self) -> None:
        delay = 1.0
        while not self._stopping.wait(1.0):
            if self._current.alive():
                delay = max(1.0, delay / 2) if self._current.uptime() > 60 else delay
                continue
            log.error("projections_died_restarting", exitcode=self._current.exitcode(), restart_in_s=delay)
            if self._stopping.wait(delay):
                return
            self._current = ProjectionProcess(self.database_url, self.notify)
            self._current.start()
            delay = min(delay * 2, MAX_RESTART_DELAY_S)


def follow_ledger(database_url: str, stop: Connection, parent_pid: int, logging_args: tuple[str, bool],
                  notify: bool = False) -> None:
    """The child process: apply the ledger log to every projection (and the notification feed, and send its
    deliveries, when `notify`) until told to stop."""
    # Ctrl-C and a SIGTERM to the process group reach the parent too, which stops us in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(*logging_args)
    tune_allocator()
    stopping = threading.Event()

    def watch() -> None:
        # A message or the pipe's end (the parent is gone) stops us; so does a new parent.
        while not stop.poll(1.0):
            if os.getppid() != parent_pid:
                break
        stopping.set()
    threading.Thread(target=watch, daemon=True).start()
    sending = _sending(database_url, stopping) if notify else None
    followed: list[Projection] = [*all_projections(), *([NotificationFeed()] if notify else [])]
    runner = _connected_runner(database_url, followed, stopping)
    try:
        if runner is not None:
            runner.run_forever(stopping)
    finally:
        if runner is not None:
            runner.close()
        if sending is not None:
            sending.join(STOP_TIMEOUT_S / 2)


def _sending(database_url: str, stopping: threading.Event) -> threading.Thread:
    """The dispatcher of notification deliveries, in a thread of this process until it stops."""
    dispatcher = Dispatcher(database_url)
    thread = threading.Thread(target=lambda: asyncio.run(dispatcher.run(stopping)), name="notify-dispatch",
                              daemon=True)
    thread.start()
    return thread


def _connected_runner(database_url: str, followed: list[Projection],
                      stopping: threading.Event) -> ProjectionRunner | None:
    """The runner, once the database answers (None if told to stop first)."""
    delay = 0.5
    while not stopping.is_set():
        try:
            # `ledger run` had the owner make the tables; this process may be a role that owns nothing.
            return ProjectionRunner(database_url, followed, create=False)
        except Exception as exc:  # noqa: BLE001 - the database away: wait for it rather than die
            log.error("projections_waiting_for_the_database", error=repr(exc)[:300], retry_in_s=delay)
            stopping.wait(delay)
            delay = min(delay * 2, 5.0)
    return None
