"""A ledger decided in process and caught up, for tests of the HTTP API through TestClient."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.access import create_key
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import inbound
from tests.integration.harness import database_on


@contextmanager
def decided_ledger(admin_url: str, events: list[dict[str, Any]]) -> Iterator[str]:
    """A fresh database holding `events` decided and every projection caught up; dropped afterwards."""
    with database_on(admin_url) as url:
        writer = LedgerWriter(PostgresStore.connect(ledger_env(url)))
        writer.apply([inbound(e) for e in events])
        ProjectionRunner(url, all_projections()).catch_up()
        yield url


def keys_for(url: str, partners: Iterable[str], analyst: bool = True) -> dict[str, str]:
    """A key for each partner, by partner id, and (unless `analyst` is false) an analyst key under "analyst"."""
    with psycopg.connect(url, autocommit=True) as conn:
        made = {partner: create_key(conn, partner)[1] for partner in partners}
        return made | ({"analyst": create_key(conn, None)[1]} if analyst else {})


def analyst_and_rex_keys(url: str) -> dict[str, str]:
    """An analyst key and a key for rex."""
    return keys_for(url, ["rex"])
