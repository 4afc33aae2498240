"""`ledger migrate`: a ledger of the first layout, recorded by that version, decided again into this one."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.database import ledger_env
from ledger.migration import MigrationError, MigrationReport, migrate
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from tests.builders import inbound, refund

pytestmark = pytest.mark.integration
FIXTURE = Path(__file__).parent.parent / "fixtures" / "first_layout_ledger.json"


def _load_first_layout(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """The tables the first layout kept, with the rows a run of that version wrote (tests/fixtures)."""
    recorded = json.loads(FIXTURE.read_text())
    conn.execute("CREATE SCHEMA ledger")
    conn.execute("CREATE TABLE ledger.ledger_events (originator_id uuid, originator_version bigint, topic text, "
                 "state bytea, notification_id bigserial PRIMARY KEY)")
    conn.execute("CREATE TABLE ledger.inbox (event_id text PRIMARY KEY, type text, outcome text, source_topic text, "
                 "source_partition int, source_offset bigint)")
    conn.execute("CREATE TABLE ledger.parked (event_id text PRIMARY KEY, occurred_at timestamptz, payload bytea, "
                 "source_topic text, source_partition int, source_offset bigint, source_cluster text)")
    for row in recorded["ledger_events"]:
        conn.execute("INSERT INTO ledger.ledger_events (originator_id, originator_version, topic, state) "
                     "VALUES (%s, %s, %s, %s)", (row["originator_id"], row["originator_version"], row["topic"],
                                                  row["state"].encode()))
    for row in recorded["inbox"]:
        conn.execute("INSERT INTO ledger.inbox VALUES (%s, %s, %s, %s, %s, %s)", (
            row["event_id"], row["type"], row["outcome"], row["source_topic"], row["source_partition"],
            row["source_offset"]))
    for row in recorded["parked"]:
        payload = base64.b64decode(row["payload"])
        conn.execute("INSERT INTO ledger.parked (event_id, occurred_at, payload) VALUES (%s, %s, %s)",
                     (row["event_id"], json.loads(payload)["occurred_at"], payload))
    return recorded


@pytest.fixture
def migrated(database_url: str, db: psycopg.Connection[Any]) -> tuple[MigrationReport, dict[str, Any]]:
    """The recorded ledger, migrated."""
    recorded = _load_first_layout(db)
    return migrate(ledger_env(database_url), lambda _: None), recorded


def test_the_migrated_ledger_holds_the_balances_the_first_layout_held(
        migrated: tuple[MigrationReport, dict[str, Any]]) -> None:
    report, recorded = migrated
    expected = {(p, c): (b["pending"] + b["available"], b["paid"])
                for p, by_currency in recorded["expected_balances"].items() for c, b in by_currency.items()}
    assert (report.differences, report.balances) == ([], expected)


def test_events_held_for_a_prerequisite_wait_again_and_refused_ones_stay_refused(
        migrated: tuple[MigrationReport, dict[str, Any]], database_url: str) -> None:
    report, _ = migrated
    writer = LedgerWriter(PostgresStore.connect(ledger_env(database_url)))
    again = writer.apply([inbound(refund("S-2", 9_999, day=4, event_id="r2"))])  # refused by the first layout
    assert (report.parked, report.refused_before, sorted(writer.waiting.by_id), again.duplicates) == (
        2, 1, ["o3", "r99"], 1)


def test_a_joined_partner_keeps_the_email_digest_that_guards_self_referral(
        migrated: tuple[MigrationReport, dict[str, Any]], database_url: str) -> None:
    writer = LedgerWriter(PostgresStore.connect(ledger_env(database_url)))
    assert writer.state.sales["S-7"].own_customer and writer.state.partners["rex"].email_digest


def test_a_ledger_is_migrated_once(migrated: tuple[MigrationReport, dict[str, Any]], database_url: str) -> None:
    with pytest.raises(MigrationError, match="migrated already"):
        migrate(ledger_env(database_url), lambda _: None)


def _ledger(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ | {"DATABASE_URL": database_url}, check=False)


def test_ledger_migrate_moves_the_first_layout_and_says_the_balances_are_equal(
        database_url: str, db: psycopg.Connection[Any]) -> None:
    _load_first_layout(db)
    moved = _ledger(database_url, "migrate")
    assert moved.returncode == 0, moved.stderr[-2000:]
    assert "balances of 4 partner accounts equal the earlier ledger's" in " ".join(moved.stdout.split())


def test_ledger_migrate_on_a_new_ledger_says_there_is_nothing_to_migrate(database_url: str) -> None:
    PostgresStore.connect(ledger_env(database_url)).close()
    found = _ledger(database_url, "migrate")
    assert (found.returncode, "nothing to migrate" in found.stderr) == (2, True)
