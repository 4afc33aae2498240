"""`ledger run`: the worker, the projection runner and the HTTP API in one process."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
import uvicorn

from ledger.application import LedgerApp
from ledger.database import ledger_env
from projections.api import create_api
from streams.follower import ProjectionProcess
from streams.kafka import cluster_id, ensure_topics
from streams.services import Services
from streams.worker import create_worker_app

log = structlog.get_logger("ledger.run")


@dataclass(frozen=True)
class RunOptions:
    """What `ledger run` starts besides the worker."""

    api_port: int | None = 8080
    api_host: str = "127.0.0.1"
    projections: bool = True


class BackgroundWork:
    """The projection runner in its own process and the API server in a thread."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.api_server: uvicorn.Server | None = None
        self.projections: ProjectionProcess | None = None

    def start_projections(self, database_url: str) -> None:
        """Follow the ledger log with every projection."""
        self.projections = ProjectionProcess(database_url)
        self.projections.start()

    def start_api(self, database_url: str, host: str, port: int) -> None:
        """Serve the read-only API."""
        config = uvicorn.Config(create_api(database_url), host=host, port=port, log_level="warning")
        self.api_server = uvicorn.Server(config)
        self._spawn("api", self.api_server.run)

    def shutdown(self) -> None:
        """Stop the projection process and every thread, and wait for them."""
        if self.projections is not None:
            self.projections.stop()
        if self.api_server is not None:
            self.api_server.should_exit = True
        for thread in self.threads:
            thread.join(timeout=10)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)


@asynccontextmanager
async def running_ledger(found: Services, options: RunOptions) -> AsyncIterator[LedgerApp]:
    """The worker, the projection runner and (if asked) the API, started; stopped cleanly on exit."""
    settings, bootstrap = found.settings, found.bootstrap
    assert bootstrap is not None
    settings.home.mkdir(parents=True, exist_ok=True)
    await ensure_topics(bootstrap, [*settings.input_topics, settings.dlq_topic, settings.notifications_topic],
                        settings.partitions, settings.replication)
    ledger = LedgerApp(env=ledger_env(found.database_url))
    worker = create_worker_app(settings, bootstrap, ledger, await cluster_id(bootstrap))
    background = BackgroundWork()
    if options.projections:
        background.start_projections(found.database_url)
    if options.api_port:
        background.start_api(found.database_url, options.api_host, options.api_port)
    await worker.start()
    try:
        yield ledger
    finally:
        await worker.stop()
        background.shutdown()
        ledger.close()


async def run(found: Services, options: RunOptions, say: Callable[[str], None]) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly."""
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    async with running_ledger(found, options):
        say(_where(found, options))
        await stopping.wait()
        say("stopping: finishing the current batch…")


def _where(found: Services, options: RunOptions) -> str:
    kind = "embedded" if found.embedded_postgres else "external"
    broker = "embedded Tansu" if found.embedded_broker else "external"
    lines = [
        "ledger is running (Ctrl-C stops it)",
        f"  home        {found.settings.home}",
        f"  postgresql  {kind} ({_safe_url(found.database_url)})",
        f"  broker      {broker} at {found.bootstrap}, topics prefixed '{found.settings.topic_prefix}'",
        f"  api         http://{options.api_host}:{options.api_port}/docs" if options.api_port else "  api         off",
    ]
    return "\n".join(lines)


def _safe_url(url: str) -> str:
    # Never print a password.
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
