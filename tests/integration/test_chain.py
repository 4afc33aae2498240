"""The log's hash chain: a row edited, deleted, inserted or moved outside the ledger is found at its position."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.database import ledger_env
from ledger.store.chain import GENESIS, ChainLayoutError, block, consecutive
from ledger.store.postgres import ChainError, PostgresStore
from ledger.store.verify import Verification, verify
from ledger.writer import LedgerWriter, received
from tests.builders import payout, refund, sale, two_tier_events

pytestmark = pytest.mark.integration


@pytest.fixture
def written(database_url: str) -> int:
    """A ledger of eight log rows written over four batches; returns the head position."""
    writer = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0)
    for batch in (two_tier_events()[:2], two_tier_events()[2:], [sale("S-2", "rex", 4_000, day=5)],
                  [refund("S-1", 2_500), payout("rex", 100, day=20)]):
        writer.apply([received(json.dumps(e).encode()) for e in batch])
    return 7


def _verify(database_url: str, start: int = 1) -> Verification:
    store = PostgresStore.connect(ledger_env(database_url))
    try:
        return verify(store.datastore, store.sql, start)
    finally:
        store.close()


def _as_superuser(db: psycopg.Connection[Any], statement: str) -> None:
    # What the append-only trigger cannot stop: a superuser switching triggers off.
    with db.transaction():
        db.execute("SET LOCAL session_replication_role = replica")
        db.execute(statement)


def test_a_log_nobody_touched_verifies_at_every_position(written: int, database_url: str) -> None:
    found = _verify(database_url)
    assert (found.intact, found.checked, found.last[0]) == (True, written, written)


def test_a_row_edited_by_a_superuser_is_found_at_its_position(written: int, database_url: str,
                                                              db: psycopg.Connection[Any]) -> None:
    _as_superuser(db, "UPDATE ledger.entries SET state = state || '\\x00'::bytea WHERE notification_id = 4")
    assert [f.position for f in _verify(database_url).findings] == [4]


def test_a_deleted_row_is_found_at_its_position(written: int, database_url: str,
                                                db: psycopg.Connection[Any]) -> None:
    _as_superuser(db, "DELETE FROM ledger.entries WHERE notification_id = 3")
    assert [(f.position, "deleted" in f.what) for f in _verify(database_url).findings] == [(3, True)]


def test_two_swapped_rows_are_found_at_the_first_of_them(written: int, database_url: str,
                                                         db: psycopg.Connection[Any]) -> None:
    _as_superuser(db, "UPDATE ledger.entries e SET state = o.state FROM ledger.entries o WHERE "
                      "(e.notification_id, o.notification_id) IN ((2, 5), (5, 2))")
    assert [f.position for f in _verify(database_url).findings] == [2, 5]


def test_a_row_inserted_past_the_writer_is_found_and_stops_the_writer(written: int, database_url: str,
                                                                      db: psycopg.Connection[Any]) -> None:
    db.execute("INSERT INTO ledger.entries (originator_id, originator_version, topic, state) "
               "SELECT gen_random_uuid(), 1, topic, state FROM ledger.entries WHERE notification_id = 7")  # a payout again
    assert [("inserted" in f.what) for f in _verify(database_url).findings] == [True]
    writer = LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0)
    with pytest.raises(ChainError, match="ledger verify"):
        writer.apply([received(json.dumps(sale("S-3", "rex", 100)).encode())])


def test_a_ledger_written_before_the_chain_is_chained_when_its_writer_starts(
        written: int, database_url: str, db: psycopg.Connection[Any]) -> None:
    _as_superuser(db, "DELETE FROM ledger.chain")
    LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0)
    assert _verify(database_url).checked == written and _verify(database_url).intact


def test_the_writer_chains_each_batch_as_one_block(written: int, db: psycopg.Connection[Any]) -> None:
    blocks = db.execute("SELECT first, last, length(leaves) FROM ledger.chain ORDER BY last").fetchall()
    assert (blocks[-1][1], [32 * (last - first + 1) for first, last, _ in blocks]) == (
        written, [size for _, _, size in blocks]) and len(blocks) == 4


def test_a_block_of_the_chain_edited_by_a_superuser_is_found_at_its_first_position(
        written: int, database_url: str, db: psycopg.Connection[Any]) -> None:
    first, last = db.execute("SELECT first, last FROM ledger.chain WHERE last >= 4 ORDER BY last LIMIT 1").fetchone()
    _as_superuser(db, "UPDATE ledger.chain SET leaves = overlay(leaves PLACING sha256(leaves) FROM 1 FOR 32) "
                      f"WHERE last = {last}")
    assert [(f.position, f"block {first}..{last}" in f.what) for f in _verify(database_url).findings] == [(first, True)]


def test_a_ledger_chained_after_the_fact_splits_its_blocks_where_positions_skip(
        written: int, database_url: str, db: psycopg.Connection[Any]) -> None:
    _as_superuser(db, "SELECT setval(pg_get_serial_sequence('ledger.entries', 'notification_id'), 9)")
    db.execute("INSERT INTO ledger.entries (originator_id, originator_version, topic, state) "
               "SELECT gen_random_uuid(), 1, topic, state FROM ledger.entries WHERE notification_id = 7")
    _as_superuser(db, "DELETE FROM ledger.chain")
    LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0)
    blocks = db.execute("SELECT first, last FROM ledger.chain ORDER BY last").fetchall()
    assert (blocks, _verify(database_url).intact) == ([(1, written), (10, 10)], True)


def test_ledger_verify_exits_1_naming_the_first_position_that_differs(
        written: int, database_url: str, db: psycopg.Connection[Any]) -> None:
    _as_superuser(db, "UPDATE ledger.entries SET state = state || '\\x01'::bytea WHERE notification_id = 6")
    result = _ledger(database_url, "verify")
    assert (result.returncode, "position 6:" in result.stderr) == (1, True), result.stderr[-2000:]


def _rewrite_from(db: psycopg.Connection[Any], position: int) -> None:
    """What someone able to rewrite the log and its chain together could do: edit a row, chain it all again."""
    _as_superuser(db, f"UPDATE ledger.entries SET state = state || '\\x02'::bytea WHERE notification_id = {position}")
    _as_superuser(db, f"DELETE FROM ledger.chain WHERE last >= {position}")
    before = db.execute("SELECT last, link FROM ledger.chain ORDER BY last DESC LIMIT 1").fetchone()
    previous, after = (bytes(before[1]), before[0]) if before else (GENESIS, 0)
    rows = db.execute("SELECT notification_id, originator_id, originator_version, topic, state FROM ledger.entries "
                      "WHERE notification_id > %s ORDER BY notification_id", (after,)).fetchall()
    for run in consecutive([(*r[:4], bytes(r[4])) for r in rows]):
        made = block(previous, run[0][0], (r[1:] for r in run))
        db.execute("INSERT INTO ledger.chain (last, first, leaves, link) VALUES (%s, %s, %s, %s)",
                   (made.last, made.first, made.leaves, made.link))
        previous = made.link


def test_a_log_rewritten_with_its_chain_differs_from_an_exported_digest(
        written: int, database_url: str, db: psycopg.Connection[Any], tmp_path: Path) -> None:
    exported = tmp_path / "digest.json"
    sealed = _ledger(database_url, "seal", "--export", str(exported))
    _rewrite_from(db, 4)
    _as_superuser(db, "DELETE FROM ledger.seals")
    unsealed = _verify(database_url)
    checked = _ledger(database_url, "verify", "--digest", str(exported))
    assert (sealed.returncode, unsealed.intact) == (0, True)  # the chain alone cannot tell
    assert (checked.returncode, f"position {written}:" in checked.stderr) == (1, True), checked.stderr[-2000:]


def test_a_digest_sealed_in_the_database_shows_a_rewrite_of_the_log_and_its_chain(
        database_url: str, db: psycopg.Connection[Any]) -> None:
    store = PostgresStore.connect(ledger_env(database_url))
    store.seal_every = 3
    writer = LedgerWriter(store, min_wait_s=0)
    for event in [*two_tier_events(), sale("S-2", "rex", 4_000, day=5), refund("S-1", 2_500)]:
        writer.apply([received(json.dumps(event).encode())])
    sealed = [r[0] for r in db.execute("SELECT position FROM ledger.seals ORDER BY position").fetchall()]
    _rewrite_from(db, 2)
    assert (sealed, [f.position for f in _verify(database_url).findings]) == ([3, 6], [3, 6])


def _ledger(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ | {"DATABASE_URL": database_url}, check=False)


def test_a_chain_table_of_the_per_position_layout_stops_the_writer_with_what_to_do(
        database_url: str, db: psycopg.Connection[Any]) -> None:
    db.execute("CREATE SCHEMA IF NOT EXISTS ledger")
    db.execute("CREATE TABLE ledger.chain (position bigint PRIMARY KEY, link bytea NOT NULL)")
    with pytest.raises(ChainLayoutError, match="RENAME TO chain_v2"):
        LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=0)
