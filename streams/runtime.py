"""`ledger run`: the worker, the projection runner and the HTTP API in one process."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
import uvicorn

from ledger.database import ledger_env
from ledger.service import Ledger
from projections.api import create_api
from streams.follower import ProjectionSupervisor
from streams.kafka import cluster_id, ensure_topics
from streams.metrics import WorkerMetrics
from streams.notify.service import Notifier
from streams.ports import bind, busy
from streams.role_urls import user_of
from streams.services import Services, with_roles
from streams.worker import Worker

log = structlog.get_logger("ledger.run")


@dataclass(frozen=True)
class RunOptions:
    """What `ledger run` starts besides the worker."""

    api_port: int | None = 8080
    api_host: str = "127.0.0.1"
    projections: bool = True
    metrics_port: int | None = None
    notify: bool = True


class BackgroundWork:
    """The projection runner in its own process and the API server in a thread."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.api_server: uvicorn.Server | None = None
        self.projections: ProjectionSupervisor | None = None
        self.notifier: Notifier | None = None

    def start_notifier(self, database_url: str) -> None:
        """Turn ledger transactions into webhook and email deliveries, and send them (never in the writer's way)."""
        self.notifier = Notifier(database_url)
        self.notifier.start()

    def start_projections(self, database_url: str, notify: bool) -> None:
        """Follow the ledger log with every projection (and notify, if asked) in a process restarted if it fails."""
        self.projections = ProjectionSupervisor(database_url, notify)
        self.projections.start()

    def start_api(self, database_url: str, host: str, port: int, worker: Worker) -> None:
        """Serve the read-only API on a socket bound now, so a busy port is an error here."""
        sock = bind(host, port, "--api-port")
        app = create_api(database_url, readiness=lambda: worker_readiness(worker, self.projections),
                         registry=worker.metrics.registry)
        self.api_server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None))
        self._spawn("api", lambda: self.api_server.run(sockets=[sock]) if self.api_server else None)

    def shutdown(self) -> None:
        """Stop the projection process and every thread, and wait for them."""
        if self.projections is not None:
            self.projections.stop()
        if self.notifier is not None:
            self.notifier.stop()
        if self.api_server is not None:
            self.api_server.should_exit = True
        for thread in self.threads:
            thread.join(timeout=10)

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)


def worker_readiness(worker: Worker, projections: ProjectionSupervisor | None) -> dict[str, object]:
    """Whether the worker's loop and the projection process are alive, for `/ready`."""
    loop_age = time.monotonic() - worker.alive_at if worker.alive_at else None
    standby = not worker.lock.holding
    return {"worker_role": "standby" if standby else "writer",
            "worker_alive": standby or (loop_age is not None and loop_age < 60),
            "worker_loop_age_s": None if loop_age is None else round(loop_age, 1),
            "input_backlog": worker.intake.backlog(),
            "projections_alive": projections.alive() if projections is not None else None}


@asynccontextmanager
async def running_ledger(found: Services, options: RunOptions,
                         stopped: asyncio.Event | None = None) -> AsyncIterator[Ledger]:
    """The worker, the projection runner and (if asked) the API, started; stopped cleanly on exit.

    `stopped` is set if the worker ends by itself (it cannot start), so the caller stops too.
    """
    settings, bootstrap = found.settings, found.bootstrap
    assert bootstrap is not None
    settings.home.mkdir(parents=True, exist_ok=True)
    await ensure_topics(bootstrap, [*settings.input_topics, settings.dlq_topic, settings.notifications_topic],
                        settings.partitions, settings.replication)
    roles = (await asyncio.to_thread(with_roles, found)).roles
    assert roles is not None
    ledger = await asyncio.to_thread(Ledger, ledger_env(roles.writer), False)  # the owner made the tables
    worker = Worker(settings, bootstrap, ledger, await cluster_id(bootstrap), roles.writer, WorkerMetrics())
    background = BackgroundWork()
    stopping = asyncio.Event()
    running = None
    try:
        if options.metrics_port:
            serve_metrics(worker.metrics, options.api_host, options.metrics_port)
        if options.api_port:
            background.start_api(roles.api, options.api_host, options.api_port, worker)
        if options.projections:
            background.start_projections(roles.projector, options.notify)
        elif options.notify:  # no projection process to share: the notifier alone, in threads of this one
            background.start_notifier(roles.projector)
        running = asyncio.create_task(worker.run(stopping), name="worker")
        if stopped is not None:
            running.add_done_callback(lambda _: stopped.set())
        yield ledger
    finally:
        stopping.set()
        if running is not None:
            await running
        background.shutdown()
        ledger.close()


def serve_metrics(metrics: WorkerMetrics, host: str, port: int) -> None:
    """The worker's metrics on a port of their own, in Prometheus' text format."""
    from prometheus_client import start_http_server
    try:
        start_http_server(port, addr=host, registry=metrics.registry)
    except OSError as exc:
        raise busy(host, port, "--metrics-port", exc) from exc


async def run(found: Services, options: RunOptions, say: Callable[[str], None]) -> None:
    """Run until SIGINT or SIGTERM, then stop cleanly."""
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stopping.set)
    found = await asyncio.to_thread(with_roles, found)  # before anything connects: the owner makes the tables
    async with running_ledger(found, options, stopping):
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
        f"  roles       {_roles(found)}",
        f"  broker      {broker} at {found.bootstrap}, topics prefixed '{found.settings.topic_prefix}'",
        f"  api         http://{options.api_host}:{options.api_port}/docs" if options.api_port else "  api         off",
    ]
    if options.metrics_port:
        lines.append(f"  metrics     http://{options.api_host}:{options.metrics_port}/metrics")
    return "\n".join(lines)


def _roles(found: Services) -> str:
    if found.roles is None:
        return "not provisioned"
    users = {kind: user_of(getattr(found.roles, kind)) for kind in ("writer", "projector", "api")}
    return ", ".join(f"{kind} as {user}" for kind, user in users.items())


def _safe_url(url: str) -> str:
    # Never print a password.
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
