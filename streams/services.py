"""Finds or starts PostgreSQL and the broker: env vars first, then embedded ones under LEDGER_HOME."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from ledger.database import check_database_url
from streams.embedded import EmbeddedBroker, start_postgres
from streams.role_urls import RoleUrls, application_urls, operator_urls
from streams.settings import Settings


class ServiceNotFoundError(RuntimeError):
    """A service the command needs is neither configured nor running."""


@dataclass(frozen=True)
class Services:
    """Addresses of the database and broker this command uses."""

    database_url: str
    bootstrap: str | None
    settings: Settings
    embedded_postgres: bool
    embedded_broker: bool
    roles: RoleUrls | None = None  # what the worker, projections and API connect as, once provisioned


def with_roles(found: Services) -> Services:
    """These services, the database provisioned by its owner and each part given its own role."""
    if found.roles is not None:
        return found
    return replace(found, roles=application_urls(found.database_url, found.settings.home))


@contextmanager
def services(settings: Settings, *, broker: str = "require") -> Iterator[Services]:
    """Yield service addresses; `broker` is "start" (start one if none runs), "require", "optional" or "skip"."""
    pg_handle: Any = None
    embedded = EmbeddedBroker(settings.home)
    started_broker = False
    try:
        if settings.database_url:
            check_database_url(settings.database_url)  # before anything connects: one line, not a traceback
        roles = None if settings.database_url else operator_urls()
        if settings.database_url:
            database_url = settings.database_url
        elif roles is not None:  # `ledger provision` ran as the owner; this process never holds its password
            database_url = roles.writer
        else:
            pg_handle, database_url = start_postgres(settings.home)
        bootstrap = settings.bootstrap_servers
        if bootstrap is None and broker != "skip":
            bootstrap = embedded.running_address()
            if bootstrap is None and broker == "start":
                bootstrap, started_broker = embedded.start(), True
            elif bootstrap is None and broker == "require":
                raise ServiceNotFoundError(
                    f"no broker is running for LEDGER_HOME={settings.home}. Start `ledger run` in another "
                    "terminal, or set KAFKA_BOOTSTRAP_SERVERS to your Kafka.")
        yield Services(database_url, bootstrap, settings, pg_handle is not None,
                       settings.bootstrap_servers is None, roles)
    finally:
        if started_broker:
            embedded.stop()
        if pg_handle is not None:
            pg_handle.cleanup()
