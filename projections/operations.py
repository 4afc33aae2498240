"""What operators ask the API: is it alive (`/health`), ready (`/ready`), and its metrics (`/metrics`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from projections.notify.status import STATUSES, notification_status
from projections.status import LedgerStatus, ledger_status
from projections.tracking import SCHEMA

# A projection (or the worker) with work to do that has not moved for this long is stale.
STALE_AFTER_S = 60.0


class Progress:
    """Remembers when each projection last moved, to tell a slow one from a stuck one."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, float]] = {}

    def stale(self, status: LedgerStatus) -> list[str]:
        """Projections behind the head that have not advanced for STALE_AFTER_S."""
        now, stuck = time.monotonic(), []
        for name, state in status.projections.items():
            position, since = self._seen.get(name, (-1, now))
            if state["position"] != position:
                self._seen[name] = (state["position"], now)
            elif state["lag"] > 0 and now - since > STALE_AFTER_S:
                stuck.append(name)
        return stuck


class LedgerCollector(Collector):
    """Gauges read from the database at each scrape: head, projection lag, parked, dead letters."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.pool.connection() as conn:
            status = ledger_status(conn)
            by_reason = dead_letters_by_reason(conn)
            notified = notification_status(conn, status.head)
        yield GaugeMetricFamily("ledger_head_position", "Position of the newest ledger event", value=status.head)
        lag = GaugeMetricFamily("ledger_projection_lag", "Ledger positions a projection is behind",
                                labels=["projection"])
        for name, state in status.projections.items():
            lag.add_metric([name], state["lag"])
        yield lag
        yield GaugeMetricFamily("ledger_parked_events", "Events waiting for a prerequisite", value=status.parked)
        yield GaugeMetricFamily("ledger_recorded_input_backlog",
                                "Input messages behind the last batch recorded", value=status.input_backlog)
        letters = GaugeMetricFamily("ledger_dead_letters_recorded", "Dead letters in the ledger, by reason",
                                    labels=["reason"])
        for reason, count in by_reason:
            letters.add_metric([reason], count)
        yield letters
        yield from _notification_gauges(notified)


def _notification_gauges(notified: dict[str, int | None] | None) -> Iterator[GaugeMetricFamily]:
    if notified is None:  # a database without the notifier's tables
        return
    if notified["lag"] is not None:  # a feed that never ran (notifications off) is not behind
        yield GaugeMetricFamily("ledger_notification_feed_lag", "Ledger positions the notification feed is behind",
                                value=notified["lag"])
    deliveries = GaugeMetricFamily("ledger_notification_deliveries", "Notification deliveries, by status",
                                   labels=["status"])
    for status in STATUSES:
        deliveries.add_metric([status], notified[status] or 0)
    yield deliveries


def dead_letters_by_reason(conn: Any) -> list[tuple[str, int]]:
    """(reason, count) of the dead letters, for /metrics and the operator page."""
    # Through a function of the projections schema: the API's role reads no ledger table.
    try:
        with conn.transaction():
            return list(conn.execute(f"SELECT reason, n FROM {SCHEMA}.dead_letters_by_reason()").fetchall())
    except (psycopg.errors.UndefinedFunction, psycopg.errors.UndefinedTable):
        return []


def add_operations_routes(api: FastAPI, readiness: Callable[[], dict[str, Any]] | None,
                          registry: CollectorRegistry | None) -> None:
    """`/health`, `/ready` and `/metrics`, none of which needs a key."""
    progress = Progress()
    database_metrics = CollectorRegistry(auto_describe=False)
    database_metrics.register(LedgerCollector(api.state.pool))

    @api.get("/health")
    def health() -> dict[str, str]:
        """Liveness: the API process answers. Whether the ledger keeps up is `/ready`."""
        return {"status": "ok"}

    @api.get("/ready", responses={503: {"description": "the worker or the projections are down or stale"}})
    def ready(request: Request) -> JSONResponse:
        """Readiness: the database answers, the worker and projections run and none is stuck (503 if not)."""
        report = _readiness(request.app.state.pool, readiness, progress)
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    @api.get("/metrics", response_class=Response)
    def metrics() -> Response:
        """Prometheus text format: the worker's counters (inside `ledger run`) and the database's gauges."""
        body = generate_latest(database_metrics) + (generate_latest(registry) if registry is not None else b"")
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def _readiness(pool: Any, readiness: Callable[[], dict[str, Any]] | None, progress: Progress) -> dict[str, Any]:
    try:
        with pool.connection(timeout=5) as conn:
            status = ledger_status(conn)
    except Exception as exc:  # noqa: BLE001 - a database that does not answer is the answer
        return {"ready": False, "problems": [f"database unreachable: {type(exc).__name__}"]}
    problems = [f"projection {name} has not advanced for {STALE_AFTER_S:.0f}s" for name in progress.stale(status)]
    worker = readiness() if readiness is not None else {}
    if worker and not worker.get("worker_alive"):
        problems.append("the worker's loop has not turned for a minute")
    if worker and worker.get("projections_alive") is False:
        problems.append("the projection process is not running (it is being restarted)")
    return {"ready": not problems, "problems": problems, "head": status.head, "max_projection_lag": status.max_lag,
            "projections": status.projections, "parked": status.parked, "dead_letters": status.dead_letters} | worker
