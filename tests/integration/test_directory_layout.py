"""Upgrading from layout 3 re-reads the partner directory, so program_versions gains the settings it lacked."""

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
EVENTS = [program(show_leaderboard_names=True), joined("rex"), sale("S-1", "rex", 10_000)]


@pytest.fixture
def layout_3_database(database_url: str, db: psycopg.Connection[Any]) -> str:
    """A ledger whose program_versions has the columns of layout 3 (no show_leaderboard_names, no milestones)."""
    LedgerWriter(PostgresStore.connect(ledger_env(database_url))).apply([inbound(e) for e in EVENTS])
    ProjectionRunner(database_url, all_projections()).catch_up()
    db.execute("ALTER TABLE projections.program_versions DROP COLUMN show_leaderboard_names CASCADE, "
               "DROP COLUMN milestones CASCADE")
    db.execute("UPDATE projections.layout SET version = 3")
    return database_url


def test_a_layout_3_database_reads_each_programs_leaderboard_setting_again(layout_3_database: str,
                                                                          db: psycopg.Connection[Any]) -> None:
    ProjectionRunner(layout_3_database, all_projections()).catch_up()
    assert db.execute("SELECT program_id, show_leaderboard_names FROM projections.programs").fetchall() == [
        ("prog", True)]


def test_upgrading_from_layout_3_keeps_every_partner_and_membership(layout_3_database: str,
                                                                    db: psycopg.Connection[Any]) -> None:
    ProjectionRunner(layout_3_database, all_projections()).catch_up()
    assert db.execute("SELECT partner_id, program_id FROM projections.partners").fetchall() == [("rex", "prog")]
