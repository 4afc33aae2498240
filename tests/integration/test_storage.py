"""The ledger's store on PostgreSQL: one log row per decision, restarts that replay it, one writer at a time."""

from __future__ import annotations

import json
import pickle
import zlib
from datetime import datetime
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import ProgrammingError

from ledger.core.clock import Mark
from ledger.database import ledger_env
from ledger.rules.periods import micros
from ledger.service import Ledger, NotWriterError
from ledger.store import snapshot
from ledger.store.postgres import FencedError, PostgresStore
from ledger.store.postgres_log import EarlierLedgerError
from ledger.writer import LedgerWriter, received
from projections.registry import all_projections, by_name
from projections.runner import ProjectionRunner
from schemas import Reason
from tests.builders import (
    at,
    joined,
    payout,
    program,
    read_from,
    refund,
    sale,
    two_tier_events,
)
from tests.property.test_core_replay import fingerprint

pytestmark = pytest.mark.integration


def _writer(database_url: str) -> LedgerWriter:
    return LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0)


def _apply(writer: LedgerWriter, *events: dict[str, Any]) -> Any:
    return writer.apply([received(json.dumps(e).encode()) for e in events])


@pytest.fixture
def writer(database_url: str) -> LedgerWriter:
    """A writer on a fresh database, after the two-tier example and a refund."""
    found = _writer(database_url)
    _apply(found, *two_tier_events(), refund("S-1", 2_500))
    return found


def test_each_decision_is_one_log_row_and_balances_are_written_with_it(
        writer: LedgerWriter, db: psycopg.Connection[Any]) -> None:
    rows = db.execute("SELECT topic FROM ledger.entries ORDER BY notification_id").fetchall()
    balances = db.execute("SELECT partner_id, available, lifetime_earned, lifetime_reversed FROM "
                          "projections.partner_balances ORDER BY partner_id").fetchall()
    assert [r[0] for r in rows] == ["program.configured:applied", "partner.joined:applied", "partner.joined:applied",
                                    "sale.completed:applied", "refund.issued:applied"]
    assert balances == [("rex", 1_500, 2_000, 500), ("susie", 375, 500, 125)]


def test_a_restarted_writer_replays_the_log_to_the_same_state(writer: LedgerWriter, database_url: str) -> None:
    _apply(writer, payout("rex", 50_000, day=20), refund("S-9", 100, day=19))  # both wait: funds, and a sale
    again = _writer(database_url)
    assert fingerprint(again.state, again.waiting) == fingerprint(writer.state, writer.waiting)
    assert _apply(again, sale("S-9", "rex", 1_000, day=18)).applied == 2


def test_a_repeat_after_a_restart_is_a_duplicate_and_a_reused_id_is_refused(writer: LedgerWriter,
                                                                             database_url: str) -> None:
    again = _writer(database_url)
    result = _apply(again, two_tier_events()[-1], sale("S-2", "rex", 1, event_id="s-1"))
    assert (result.duplicates, [d.reason for d in result.dead_letters]) == (1, [Reason.EVENT_ID_REUSED])


def test_a_writer_whose_ledger_was_taken_over_cannot_write(writer: LedgerWriter, database_url: str) -> None:
    _writer(database_url)
    with pytest.raises(FencedError):
        _apply(writer, sale("S-2", "rex", 1_000))


def test_customer_names_and_emails_are_kept_out_of_the_log(writer: LedgerWriter,
                                                           db: psycopg.Connection[Any]) -> None:
    logged = b"".join(bytes(r[0]) for r in db.execute("SELECT state FROM ledger.entries").fetchall())
    kept = db.execute("SELECT first_name, last_name, email FROM ledger.personal_data WHERE kind = 'contact'").fetchall()
    assert (b"customer@example.com" in logged, b"Lovelace" in logged) == (False, False)
    assert kept == [("Ada", "Lovelace", "customer@example.com")]


def test_the_log_refuses_updates_and_deletes(writer: LedgerWriter, db: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute("DELETE FROM ledger.entries")


def test_a_parked_event_keeps_its_original_bytes_across_a_restart(database_url: str) -> None:
    first = _writer(database_url)
    early = refund("S-1", 100, day=3)
    _apply(first, program(), early)
    again = _writer(database_url)
    [waiter] = again.waiting.by_id.values()
    assert waiter.raw == json.dumps(early).encode()
    _apply(again, joined("rex"), sale("S-1", "rex", 1_000))
    assert again.waiting.by_id == {}


@pytest.mark.parametrize("statement", ["UPDATE ledger.entries SET topic = 'x'", "TRUNCATE ledger.entries"])
def test_the_log_refuses_any_other_edit(writer: LedgerWriter, db: psycopg.Connection[Any], statement: str) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute(statement)


def test_rebuilding_the_balances_from_zero_reproduces_what_the_writer_wrote(
        writer: LedgerWriter, database_url: str, db: psycopg.Connection[Any]) -> None:
    live = db.execute("SELECT * FROM projections.partner_balances ORDER BY 1, 2").fetchall()
    runner = ProjectionRunner(database_url, all_projections())
    runner.rebuild(by_name("partner_balances"))
    assert db.execute("SELECT * FROM projections.partner_balances ORDER BY 1, 2").fetchall() == live
    assert [s.lag for s in runner.status() if s.name == "partner_balances"] == [0]


def test_partition_marks_keep_the_furthest_offset_its_backlog_and_the_latest_time(database_url: str) -> None:
    first = _writer(database_url)
    first.apply([read_from("programs", 0, program()), read_from("sales", 5, sale("S-5", "rex", 100, day=4), 3)])
    first.apply([read_from("sales", 2, sale("S-2", "rex", 100, day=2), 9)])  # redelivered from further back
    assert _writer(database_url).marks[("", "sales", 0)] == Mark(5, micros(datetime.fromisoformat(at(4))), 3)


def test_a_refund_read_ahead_of_a_lagging_sales_partition_waits_for_its_sale(database_url: str) -> None:
    found = _writer(database_url)
    found.apply([read_from("programs", 0, program()), read_from("partners", 0, joined("rex")),
                 read_from("sales", 0, sale("S-0", "rex", 100, day=1), backlog=40),
                 read_from("refunds", 0, refund("S-1", 2_500, day=3), backlog=1)])
    found.apply([read_from("refunds", 1, refund("S-0", 100, day=30), backlog=0)])
    result = found.apply([read_from("sales", 1, sale("S-1", "rex", 10_000, day=2), backlog=39)])
    assert result.applied == 2 and not result.dead_letters


def test_a_restarted_writer_still_holds_a_later_payout_behind_an_earlier_waiting_one(database_url: str) -> None:
    first = _writer(database_url)
    _apply(first, *two_tier_events(), payout("rex", 3_000, day=10))
    restarted = _writer(database_url)
    held = _apply(restarted, payout("rex", 1_500, day=12))
    assert (held.parked, restarted.state.partners["rex"].balances["USD"][2]) == (1, 0)


def test_a_write_that_fails_leaves_nothing_in_memory_and_the_batch_applies_once_again(
        writer: LedgerWriter, db: psycopg.Connection[Any]) -> None:
    db.execute("ALTER TABLE projections.partner_balances RENAME TO away")
    with pytest.raises(ProgrammingError, match="does not exist"):
        _apply(writer, sale("S-2", "rex", 10_000, event_id="s-2"))
    db.execute("ALTER TABLE projections.away RENAME TO partner_balances")
    _apply(writer, sale("S-2", "rex", 10_000, event_id="s-2"))
    assert writer.state.partners["rex"].balances["USD"][1] == 1_500 + 2_000


def test_a_ledger_of_the_first_layout_is_refused_with_what_to_do(database_url: str,
                                                                 db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE SCHEMA ledger")
    db.execute("CREATE TABLE ledger.ledger_events (originator_id uuid, originator_version bigint, topic text, "
               "state bytea, notification_id bigserial)")
    db.execute("INSERT INTO ledger.ledger_events (originator_id, originator_version, topic, state) "
               "VALUES (gen_random_uuid(), 1, 'x', '')")
    with pytest.raises(EarlierLedgerError, match="run `ledger migrate`"):
        PostgresStore.connect(ledger_env(database_url))


def test_a_restart_after_a_snapshot_replays_only_the_log_after_it_to_the_same_state(database_url: str,
                                                                                   db: psycopg.Connection[Any]) -> None:
    first = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, snapshot_every=3)
    for event in [*two_tier_events(), refund("S-1", 2_500), payout("rex", 50_000, day=20),
                  refund("S-9", 100, day=19), sale("S-2", "rex", 1_000, day=5)]:
        _apply(first, event)
    positions = [r[0] for r in db.execute("SELECT position FROM ledger.snapshots ORDER BY position").fetchall()]
    again = _writer(database_url)
    assert len(positions) == 2 and positions[-1] < _head(db)  # the latest two, the tail after them replayed
    assert fingerprint(again.state, again.waiting) == fingerprint(first.state, first.waiting)


def test_a_restart_pages_back_in_the_sales_its_snapshot_left_out(database_url: str,
                                                                 db: psycopg.Connection[Any]) -> None:
    first = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, snapshot_every=4, hot_sales=0)
    for event in [*two_tier_events(), sale("S-2", "rex", 1_000, day=5), refund("S-1", 2_500)]:
        _apply(first, event)
    paged = [r[0] for r in db.execute("SELECT sale_id FROM ledger.paged_sales").fetchall()]
    again = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, hot_sales=0)
    assert paged == ["S-1"] and "S-1" in again.state.sales  # paged back in for the refund in the tail
    assert fingerprint(again.state, again.waiting) == fingerprint(first.state, first.waiting)
    _apply(again, refund("S-1", 7_500))
    assert again.state.partners["rex"].balances["USD"][1] == 200  # S-2's 20 % is all that is left


def test_a_sale_paged_out_again_after_a_refund_is_restored_as_refunded(database_url: str) -> None:
    first = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, snapshot_every=1, hot_sales=0)
    for event in [*two_tier_events(), refund("S-1", 2_500, event_id="r-1")]:
        _apply(first, event)
    again = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, hot_sales=0)
    refused = _apply(again, refund("S-1", 7_501, event_id="r-2")).dead_letters
    assert ([d.reason for d in refused], "S-1" in again.state.sales) == ([Reason.OVER_REFUND], True)


def test_a_snapshot_this_version_cannot_read_is_replaced_by_replaying_the_whole_log(
        database_url: str, db: psycopg.Connection[Any]) -> None:
    first = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, snapshot_every=1, hot_sales=0)
    _apply(first, *two_tier_events())
    older = zlib.compress(pickle.dumps((snapshot.FORMAT - 1, None, None, None, None)))
    db.execute("UPDATE ledger.snapshots SET body = %s", (older,))
    again = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0, snapshot_every=1, hot_sales=0)
    _apply(again, refund("S-1", 5_000, event_id="r-1"))  # pages S-1 out afresh, beside no stale copy
    assert again.state.pager is not None and again.state.pager.sales(["S-1"])[0].refunded == 5_000


def test_a_ledger_that_has_not_become_the_writer_refuses_to_write(database_url: str) -> None:
    ledger = Ledger(ledger_env(database_url))
    with pytest.raises(NotWriterError, match="become_writer"):
        ledger.apply_batch([received(json.dumps(program()).encode())])
    ledger.close()


def _head(db: psycopg.Connection[Any]) -> int:
    row = db.execute("SELECT max(notification_id) FROM ledger.entries").fetchone()
    return int(row[0]) if row else 0
