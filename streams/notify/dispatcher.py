"""Sends due deliveries: a bounded number in flight, each with a timeout, every attempt logged.

It runs on its own connection and event loop, never in the writer's transaction: a receiver
that hangs or fails costs only its own delivery slots, never a ledger batch.
"""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any

import httpx
import psycopg
import structlog

from projections.notify.deliveries import Due, Outcome, claim, record
from streams.notify.backoff import RetryPolicy
from streams.notify.senders import SmtpSettings, post_webhook, send_email
from streams.settings import env_float, env_int

log = structlog.get_logger("ledger.notify")


class Dispatcher:
    """Claims due deliveries and sends them until stopped."""

    def __init__(self, database_url: str, policy: RetryPolicy | None = None, smtp: SmtpSettings | None = None,
                 concurrency: int | None = None, timeout_s: float | None = None, idle_s: float = 0.2) -> None:
        self.database_url = database_url
        self.policy = policy or RetryPolicy()
        self.smtp = smtp or SmtpSettings()
        self.concurrency = concurrency or env_int("LEDGER_NOTIFY_CONCURRENCY", 8)
        self.timeout_s = timeout_s or env_float("LEDGER_NOTIFY_TIMEOUT_S", 10.0)
        self.lease_s = self.timeout_s * 3 + 30  # longer than any one send can take
        self.idle_s = idle_s

    async def run(self, stop: threading.Event) -> None:
        """Send until `stop` is set; the database away is logged and retried, never fatal."""
        delay = 0.5
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn, \
                        httpx.AsyncClient(timeout=self.timeout_s) as client:
                    await self._loop(conn, client, stop)
            except (psycopg.Error, OSError) as exc:
                log.error("notify_dispatch_failed_retrying", error=repr(exc)[:300], retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def drain(self) -> int:
        """Send everything due now (and what falls due meanwhile) until nothing is; how many attempts were made."""
        made = 0
        async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn, \
                httpx.AsyncClient(timeout=self.timeout_s) as client:
            while due := await claim(conn, self.concurrency, self.lease_s):
                await asyncio.gather(*(self._deliver(conn, client, d) for d in due))
                made += len(due)
        return made

    async def _loop(self, conn: psycopg.AsyncConnection[Any], client: httpx.AsyncClient,
                    stop: threading.Event) -> None:
        flying: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                free = self.concurrency - len(flying)
                for due in await claim(conn, free, self.lease_s) if free else []:
                    flying.add(asyncio.create_task(self._deliver(conn, client, due)))
                if flying:
                    _, flying = await asyncio.wait(flying, timeout=self.idle_s, return_when=asyncio.FIRST_COMPLETED)
                else:
                    await asyncio.sleep(self.idle_s)
        finally:
            if flying:  # a stop waits briefly; a send cut short is sent again once this connection is gone
                _, unfinished = await asyncio.wait(flying, timeout=min(self.timeout_s, 2.0))
                for task in unfinished:
                    task.cancel()
                # Every one, finished too: a send whose record failed with the connection is retried, not lost.
                await asyncio.gather(*flying, return_exceptions=True)

    async def _deliver(self, conn: psycopg.AsyncConnection[Any], client: httpx.AsyncClient, due: Due) -> None:
        outcome = await self._send(client, due)
        retry = None if outcome.delivered or outcome.final else self.policy.retry_in(due.attempts + 1, random.random())
        status = await record(conn, due, outcome, retry)
        # The endpoint id or partner id only: never an address, a URL's query or a secret.
        log.info("notification_attempt", delivery_id=str(due.delivery_id), channel=due.channel, target=due.target,
                 attempt=due.attempts + 1, status=status, status_code=outcome.status_code, error=outcome.error,
                 retry_in_s=None if retry is None else round(retry, 2))

    async def _send(self, client: httpx.AsyncClient, due: Due) -> Outcome:
        if due.channel == "email":
            return await send_email(self.smtp, due)
        return await post_webhook(client, due)
