"""An in-process ledger with its notifier, on a real database, as the application roles run it."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.notify.endpoints import Endpoint, add_endpoint
from projections.notify.feed import NotificationFeed
from projections.runner import ProjectionRunner
from streams.notify.backoff import RetryPolicy
from streams.notify.dispatcher import Dispatcher
from streams.notify.senders import SmtpSettings
from streams.role_urls import RoleUrls
from tests.builders import inbound
from tests.integration.harness import wait_for

FAST = RetryPolicy(max_attempts=4, base_s=0.02, cap_s=0.1)  # retries due within a fraction of a second


class NotifyLedger:
    """Writes events as the writer, follows and sends as the projector, reads as the owner."""

    def __init__(self, owner_url: str, urls: RoleUrls, smtp_url: str = "") -> None:
        self.owner_url, self.urls = owner_url, urls
        self.writer = LedgerWriter(PostgresStore.connect(ledger_env(urls.writer), create=False), min_wait_s=0)
        self.feed = ProjectionRunner(urls.projector, [NotificationFeed()], create=False)
        self.dispatcher = Dispatcher(urls.projector, policy=FAST, smtp=SmtpSettings(smtp_url), timeout_s=2.0)

    def endpoint(self, url: str, **scope: Any) -> Endpoint:
        """Add an endpoint as the operator does."""
        with psycopg.connect(self.owner_url, autocommit=True) as conn:
            return add_endpoint(conn, url, **scope)

    def write(self, events: list[dict[str, Any]]) -> None:
        """Apply events and let the feed turn them into deliveries."""
        self.writer.apply([inbound(e) for e in events])
        self.feed.catch_up()

    def send_until_settled(self) -> list[tuple[Any, ...]]:
        """Send (retrying as due) until no delivery is pending; (channel, target, status, attempts) of each."""
        def settled() -> list[tuple[Any, ...]] | None:
            asyncio.run(self.dispatcher.drain())
            rows = self.rows("SELECT channel, target, status, attempts FROM notify.deliveries ORDER BY position, target")
            return None if any(r[2] == "pending" for r in rows) else rows or [("none",)]
        found = wait_for(settled, "every delivery to be delivered or to fail", every_s=0.05)
        return [] if found == [("none",)] else found

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of a query, as the owner."""
        with psycopg.connect(self.owner_url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Release the connections."""
        self.feed.close()
        self.writer.store.close()
