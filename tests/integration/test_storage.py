"""The ledger's tables in PostgreSQL: append-only events and rebuildable projections."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import psycopg
import pytest

from ledger import postgres_recorder
from ledger.application import LedgerApp
from ledger.database import ledger_env
from ledger.partner import Partner
from ledger.watermark import PartitionMark
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from schemas import Reason
from tests.builders import (
    at,
    inbound,
    joined,
    payout,
    program,
    read_from,
    refund,
    sale,
    two_tier_events,
)

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


def test_partition_marks_keep_the_furthest_offset_its_backlog_and_the_latest_time(database_url: str) -> None:
    app = LedgerApp(env=ledger_env(database_url))
    app.apply_batch([read_from("programs", 0, program()), read_from("sales", 5, sale("S-5", "rex", 100, day=4), 3)])
    app.apply_batch([read_from("sales", 2, sale("S-2", "rex", 100, day=2), 9)])  # redelivered from further back
    assert app.ledger_recorder.partition_marks()[("", "sales", 0)] == PartitionMark(5, _day(4), 3)


def test_a_refund_read_ahead_of_a_lagging_sales_partition_waits_for_its_sale(database_url: str) -> None:
    app = LedgerApp(env=ledger_env(database_url) | {"LEDGER_PARKING_MIN_WAIT_S": "0"})
    app.apply_batch([read_from("programs", 0, program()), read_from("partners", 0, joined("rex")),
                     read_from("sales", 0, sale("S-0", "rex", 100, day=1), backlog=40),
                     read_from("refunds", 0, refund("S-1", 2_500, day=3), backlog=1)])
    app.apply_batch([read_from("refunds", 1, refund("S-0", 100, day=30), backlog=0)])
    result = app.apply_batch([read_from("sales", 1, sale("S-1", "rex", 10_000, day=2), backlog=39)])
    assert result.applied == 2 and not result.dead_letters


def _day(day: int) -> datetime:
    return datetime.fromisoformat(at(day))


def test_a_payout_left_waiting_for_funds_does_not_make_the_batch_conflict(database_url: str) -> None:
    app = LedgerApp(env=ledger_env(database_url))
    app.apply_batch([inbound(e) for e in [*two_tier_events(), payout("rex", 5_000, day=10)]])
    short = app.apply_batch([inbound(sale("S-2", "rex", 10_000, day=8))])
    funded = app.apply_batch([inbound(sale("S-3", "rex", 5_000, day=9))])
    assert (short.attempts, funded.applied) == (1, 2)


def test_a_restarted_ledger_still_holds_a_later_payout_behind_an_earlier_waiting_one(database_url: str) -> None:
    first = LedgerApp(env=ledger_env(database_url))
    first.apply_batch([inbound(e) for e in [*two_tier_events(), payout("rex", 3_000, day=10)]])
    restarted = LedgerApp(env=ledger_env(database_url))
    held = restarted.apply_batch([inbound(payout("rex", 1_500, day=12))])
    paid = restarted.repository.get(Partner.create_id("rex")).balance("USD", "paid")
    assert (held.parked, paid) == (1, 0)


def paid(app: LedgerApp, partner_id: str) -> int:
    """What the partner has been paid in USD cents."""
    return app.repository.get(Partner.create_id(partner_id)).balance("USD", "paid")


def test_a_payout_parked_under_the_old_per_partner_key_is_released_by_a_credit_in_its_currency(
        ledger: LedgerApp, database_url: str, db: psycopg.Connection[Any]) -> None:
    ledger.apply_batch([inbound(payout("rex", 3_000, day=10))])
    db.execute("UPDATE ledger.parked SET waiting_for = 'funds:rex'")
    upgraded = LedgerApp(env=ledger_env(database_url))
    upgraded.apply_batch([inbound(sale("S-2", "rex", 10_000, day=5))])
    assert paid(upgraded, "rex") == 3_000


def test_a_funded_payout_parked_under_the_old_key_is_applied_by_the_first_batch_after_the_upgrade(
        ledger: LedgerApp, database_url: str, db: psycopg.Connection[Any]) -> None:
    # Held behind a payout in another currency, it was funded all along; no credit need come.
    ledger.apply_batch([inbound(payout("rex", 3_000, day=10))])
    db.execute("UPDATE ledger.parked SET waiting_for = 'funds:rex'")
    ledger.apply_batch([inbound(sale("S-2", "rex", 10_000, day=5))])
    upgraded = LedgerApp(env=ledger_env(database_url))
    upgraded.apply_batch([inbound(joined("tom"))])
    assert paid(upgraded, "rex") == 3_000


def test_a_parked_payload_the_contract_now_refuses_is_dead_lettered_and_does_not_stop_the_upgrade(
        ledger: LedgerApp, database_url: str, db: psycopg.Connection[Any]) -> None:
    # An earlier version parked text holding U+0000, which PostgreSQL's jsonb also refuses.
    ledger.apply_batch([inbound(payout("rex", 3_000, day=10, event_id="P-1"))])
    old = json.dumps(payout("rex", 3_000, day=10, event_id="P-1") | {"payout_id": "P\x00"}).encode()
    db.execute("UPDATE ledger.parked SET waiting_for = 'funds:rex', payload = %s", (old,))
    upgraded = LedgerApp(env=ledger_env(database_url))
    result = upgraded.apply_batch([inbound(sale("S-2", "rex", 10_000, day=5))])
    assert ([(d.event_id, d.reason) for d in result.dead_letters], paid(upgraded, "rex")) == (
        [("P-1", Reason.SCHEMA_VIOLATION)], 0)


def test_the_ledger_gives_the_events_table_statistics_as_it_grows(
        ledger: LedgerApp, db: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Autovacuum cannot: every batch holds the table's lock. Without statistics, reloading an
    # aggregate seq-scans the whole table.
    monkeypatch.setattr(postgres_recorder, "ANALYZE_MIN_ROWS", 1)
    ledger.apply_batch([inbound(sale("S-9", "rex", 1_000))])
    reltuples = db.execute("SELECT reltuples FROM pg_class WHERE oid = 'ledger.ledger_events'::regclass").fetchone()
    assert reltuples is not None and reltuples[0] > 0
