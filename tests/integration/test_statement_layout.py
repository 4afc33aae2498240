"""Upgrading from layout 2 rebuilds `statement_lines`, so a re-priced sale's older rows are marked as corrections."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import inbound, joined, program, sale

pytestmark = pytest.mark.integration
EVENTS = [program(tiers=("0.10",), day=1), joined("rex"), sale("S-1", "rex", 10_000, day=5),
          program(tiers=("0.30",), day=3)]


def test_a_layout_2_database_gets_its_statement_lines_rebuilt(database_url: str, db: psycopg.Connection[Any]) -> None:
    LedgerWriter(PostgresStore.connect(ledger_env(database_url))).apply([inbound(e) for e in EVENTS])
    ProjectionRunner(database_url, all_projections()).catch_up()
    # As layout 2 left them: the re-price's new commission line not marked.
    db.execute("UPDATE projections.statement_lines SET detail = NULL WHERE kind = 'commission'")
    db.execute("UPDATE projections.layout SET version = 2")
    ProjectionRunner(database_url, all_projections()).catch_up()
    details = db.execute("SELECT detail FROM projections.statement_lines WHERE kind = 'commission' "
                         "ORDER BY position").fetchall()
    assert details == [(None,), ("correction",)]


def test_upgrading_from_layout_2_keeps_the_writers_balances(database_url: str, db: psycopg.Connection[Any]) -> None:
    LedgerWriter(PostgresStore.connect(ledger_env(database_url))).apply([inbound(e) for e in EVENTS])
    ProjectionRunner(database_url, all_projections()).catch_up()
    db.execute("UPDATE projections.layout SET version = 2")
    ProjectionRunner(database_url, all_projections()).catch_up()
    assert db.execute("SELECT partner_id, available FROM projections.partner_balances").fetchall() == [("rex", 3_000)]
