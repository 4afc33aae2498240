"""The ledger's tables in PostgreSQL: append-only events and rebuildable projections."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from ledger.application import LedgerApp
from ledger.database import ledger_env
from ledger.partner import Partner
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import inbound, program, refund, sale, two_tier_events

pytestmark = pytest.mark.integration


@pytest.fixture
def ledger(database_url: str) -> LedgerApp:
    """The ledger on a fresh database, after the two-tier example and a refund."""
    app = LedgerApp(env=ledger_env(database_url))
    app.apply_batch([inbound(e) for e in [*two_tier_events(), refund("S-1", 2_500)]])
    return app


@pytest.mark.parametrize("statement", ["UPDATE ledger.ledger_events SET topic = 'x'",
                                       "DELETE FROM ledger.ledger_events",
                                       "TRUNCATE ledger.ledger_events"])
def test_the_events_table_refuses_edits(ledger: LedgerApp, db: psycopg.Connection[Any], statement: str) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute(statement)


def test_rebuilding_a_projection_from_zero_reproduces_the_live_rows(ledger: LedgerApp, database_url: str,
                                                                   db: psycopg.Connection[Any]) -> None:
    runner = ProjectionRunner(ledger, database_url, all_projections())
    runner.catch_up()
    live = db.execute("SELECT * FROM projections.partner_balances ORDER BY 1, 2").fetchall()
    runner.rebuild(runner.projections[0])
    assert db.execute("SELECT * FROM projections.partner_balances ORDER BY 1, 2").fetchall() == live
    assert runner.status()[0].lag == 0


def test_a_batch_and_its_positions_commit_together(ledger: LedgerApp, db: psycopg.Connection[Any]) -> None:
    decided = db.execute("SELECT count(*) FROM ledger.inbox").fetchone()
    assert decided is not None and decided[0] == 5


def test_a_ledger_reading_stale_terms_decides_the_batch_again(database_url: str, ledger: LedgerApp) -> None:
    other = LedgerApp(env=ledger_env(database_url))
    other.apply_batch([inbound(program(tiers=("0.50", "0.05"), day=3, event_id="v2"))])
    ledger.apply_batch([inbound(sale("S-2", "rex", 10_000, day=4))])
    assert ledger.repository.get(Partner.create_id("rex")).balance("USD", "available") == 1_500 + 5_000


def test_two_writers_crediting_one_partner_both_count(database_url: str, ledger: LedgerApp) -> None:
    other = LedgerApp(env=ledger_env(database_url))
    other.apply_batch([inbound(sale("S-2", "rex", 10_000, day=4))])
    result = ledger.apply_batch([inbound(sale("S-3", "rex", 20_000, day=4))])  # its cached Rex is stale
    assert result.attempts == 2
    assert ledger.repository.get(Partner.create_id("rex")).balance("USD", "available") == 1_500 + 2_000 + 4_000
