"""The notifier: the feed following the ledger log, and the dispatcher sending, each in a thread of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import structlog

from projections.notify.feed import NotificationFeed
from projections.runner import ProjectionRunner
from streams.notify.dispatcher import Dispatcher

log = structlog.get_logger("ledger.notify")


class Notifier:
    """Turns ledger transactions into deliveries and sends them, until stopped."""

    def __init__(self, database_url: str, dispatcher: Dispatcher | None = None) -> None:
        self.database_url = database_url
        self.dispatcher = dispatcher or Dispatcher(database_url)
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start following and sending."""
        self._spawn("notify-feed", self._follow)
        self._spawn("notify-dispatch", lambda: asyncio.run(self.dispatcher.run(self.stopping)))

    def alive(self) -> bool:
        """Whether both threads run."""
        return bool(self.threads) and all(t.is_alive() for t in self.threads)

    def stop(self) -> None:
        """Let the current batch and sends finish, then end."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=self.dispatcher.timeout_s + 5)

    def _follow(self) -> None:
        runner = _connected(lambda: ProjectionRunner(self.database_url, [NotificationFeed()], create=False),
                            self.stopping)
        if runner is None:
            return
        try:
            runner.run_forever(self.stopping)
        finally:
            runner.close()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)


def _connected(make: Callable[[], ProjectionRunner], stopping: threading.Event) -> ProjectionRunner | None:
    delay = 0.5
    while not stopping.is_set():
        try:
            return make()
        except Exception as exc:  # noqa: BLE001 - the database away: wait for it rather than die
            log.error("notify_waiting_for_the_database", error=repr(exc)[:300], retry_in_s=delay)
            stopping.wait(delay)
            delay = min(delay * 2, 5.0)
    return None
