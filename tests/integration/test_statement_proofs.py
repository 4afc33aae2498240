"""A partner's statement lines carry Merkle proofs against a sealed digest, checked with no database."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.database import ledger_env
from ledger.rules.periods import instant
from ledger.store import codec
from ledger.store.postgres import PostgresStore
from ledger.store.proofs import ProofError, attach_proofs
from ledger.store.verify import verify
from ledger.writer import LedgerWriter, received
from schemas.proof import check_statement
from tests.builders import payout, refund, sale, two_tier_events

pytestmark = pytest.mark.integration
NOWHERE = "postgresql://nobody@127.0.0.1:1/nothing"


def _write(database_url: str, *batches: list[dict[str, Any]]) -> None:
    store = PostgresStore.connect(ledger_env(database_url))
    writer = LedgerWriter(store, min_wait_s=0)
    for batch in batches:
        writer.apply([received(json.dumps(e).encode()) for e in batch])
    store.close()


def _statement(db: psycopg.Connection[Any], partner_id: str) -> dict[str, Any]:
    """The statement-shaped document of a partner's lines (/work/coord/statement-format.md), built from the log."""
    lines = []
    for position, state in db.execute("SELECT notification_id, state FROM ledger.entries ORDER BY 1").fetchall():
        for number, posting in enumerate(codec.decode(bytes(state)).postings):
            source, destination, amount, currency, cause, ref, level, at_us = posting
            if f"partner:{partner_id}:" in source + destination:
                lines.append({"position": position, "line": number, "occurred_at": instant(at_us).isoformat(),
                              "cause": "sale" if cause == "commission" else cause, "sale_id": ref or None,
                              "level": level or None, "source": source, "destination": destination,
                              "amount": amount, "currency": currency})
    return {"format": "commission-ledger/statement@1", "partner_id": partner_id, "currency": "USD", "lines": lines}


@pytest.fixture
def ledger(database_url: str) -> str:
    _write(database_url, two_tier_events(), [sale("S-2", "rex", 4_000, day=5)])
    return database_url


@pytest.fixture
def digest(ledger: str, tmp_path: Path) -> dict[str, Any]:
    """The digest `ledger seal --export` writes, sealed after Rex's sales."""
    result = _ledger(ledger, "seal", "--export", str(tmp_path / "digest.json"))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads((tmp_path / "digest.json").read_text())


@pytest.fixture
def proved(digest: dict[str, Any], db: psycopg.Connection[Any]) -> dict[str, Any]:
    """Rex's statement with its proofs."""
    return attach_proofs(db, _statement(db, "rex"))


def test_every_line_of_a_statement_with_proofs_is_proven_against_the_digest(
        proved: dict[str, Any], digest: dict[str, Any]) -> None:
    assert (len(proved["lines"]) >= 2, check_statement(proved, digest)) == (True, [])


def test_the_statement_names_the_seal_it_was_proven_against(proved: dict[str, Any], digest: dict[str, Any]) -> None:
    assert proved["seal"] == {name: digest[name] for name in ("position", "tree_size", "root", "link")}


def test_a_line_whose_amount_was_changed_fails(proved: dict[str, Any], digest: dict[str, Any]) -> None:
    proved["lines"][1]["amount"] *= 1000
    assert [(f.line, "amount" in f.what) for f in check_statement(proved, digest)] == [(1, True)]


def test_a_changed_path_element_fails(proved: dict[str, Any], digest: dict[str, Any]) -> None:
    path = proved["lines"][0]["proof"]["path"]
    path[0] = bytes(32).hex()
    assert [(f.line, "root" in f.what) for f in check_statement(proved, digest)] == [(0, True)]


def test_a_changed_row_in_a_proof_fails(proved: dict[str, Any], digest: dict[str, Any]) -> None:
    proved["lines"][0]["proof"]["row"]["version"] += 1
    assert [f.line for f in check_statement(proved, digest)] == [0]


def test_a_line_without_a_proof_is_reported_unproven(proved: dict[str, Any], digest: dict[str, Any]) -> None:
    del proved["lines"][1]["proof"]
    assert [(f.line, f.what.startswith("unproven")) for f in check_statement(proved, digest)] == [(1, True)]


def test_a_digest_of_a_later_seal_fails_the_statement(proved: dict[str, Any], ledger: str, tmp_path: Path) -> None:
    _write(ledger, [refund("S-1", 2_500)])
    assert _ledger(ledger, "seal", "--export", str(tmp_path / "later.json")).returncode == 0
    later = json.loads((tmp_path / "later.json").read_text())
    unsealed = copy.deepcopy(proved)
    del unsealed["seal"]
    assert (check_statement(proved, later)[0].line, check_statement(unsealed, later)[0].what) == (
        None, f"its proof is for a tree of {proved['seal']['tree_size']} leaves, the digest's has {later['tree_size']}")


def test_lines_past_the_latest_seal_are_refused_until_sealed(digest: dict[str, Any], ledger: str,
                                                             db: psycopg.Connection[Any]) -> None:
    _write(ledger, [payout("rex", 100, day=20)])
    with pytest.raises(ProofError, match="ledger seal"):
        attach_proofs(db, _statement(db, "rex"))


def test_proofs_against_an_automatic_seal_verify(database_url: str, db: psycopg.Connection[Any]) -> None:
    store = PostgresStore.connect(ledger_env(database_url))
    store.seal_every = 2
    writer = LedgerWriter(store, min_wait_s=0)
    for event in [*two_tier_events(), sale("S-2", "rex", 4_000, day=5), refund("S-1", 2_500)]:
        writer.apply([received(json.dumps(event).encode())])
    seals = db.execute("SELECT position, link, tree_size, root FROM ledger.seals ORDER BY position").fetchall()
    digest = {"position": seals[-1][0], "link": bytes(seals[-1][1]).hex(), "tree_size": seals[-1][2],
              "root": bytes(seals[-1][3]).hex()}
    assert (len(seals) > 2, check_statement(attach_proofs(db, _statement(db, "rex")), digest)) == (True, [])


def test_verify_from_a_middle_position_checks_the_roots_sealed_after_it(database_url: str) -> None:
    store = PostgresStore.connect(ledger_env(database_url))
    store.seal_every = 2
    writer = LedgerWriter(store, min_wait_s=0)
    for event in [*two_tier_events(), sale("S-2", "rex", 4_000, day=5), refund("S-1", 2_500)]:
        writer.apply([received(json.dumps(event).encode())])
    found = verify(store.datastore, store.sql, start=4)
    store.close()
    assert (found.intact, sorted(found.compared)) == (True, [4, 6])


def test_ledger_verify_passes_and_names_an_edited_leaf(digest: dict[str, Any], ledger: str,
                                                      db: psycopg.Connection[Any]) -> None:
    store = PostgresStore.connect(ledger_env(ledger))
    intact = verify(store.datastore, store.sql).intact
    with db.transaction():
        db.execute("SET LOCAL session_replication_role = replica")
        db.execute("UPDATE ledger.chain SET leaves = overlay(leaves PLACING sha256(leaves) FROM (32 * (2 - first) + 1)::int "
                   "FOR 32) WHERE 2 BETWEEN first AND last")
    first = db.execute("SELECT first FROM ledger.chain WHERE 2 BETWEEN first AND last").fetchone()[0]
    found = verify(store.datastore, store.sql).findings
    store.close()
    assert (intact, [(f.position, "leaf" in f.what or "Merkle root" in f.what) for f in found]) == (
        True, [*([(first, False)] if first < 2 else []), (2, True), (digest["position"], True)])


def test_ledger_verify_checks_the_root_of_a_digest_file(digest: dict[str, Any], ledger: str, tmp_path: Path) -> None:
    (tmp_path / "forged.json").write_text(json.dumps(digest | {"root": bytes(32).hex()}))
    result = _ledger(ledger, "verify", "--digest", str(tmp_path / "forged.json"))
    assert (result.returncode, f"position {digest['position']}:" in result.stderr, "Merkle root" in result.stderr) == (
        1, True, True), result.stderr[-2000:]


def test_verify_statement_exits_0_with_the_lines_proven(proved: dict[str, Any], digest: dict[str, Any],
                                                        tmp_path: Path) -> None:
    result = _check(tmp_path, proved, digest)
    assert (result.returncode, f"{len(proved['lines'])} lines proven against the root at position "
                               f"{digest['position']}" in result.stdout) == (0, True), result.stderr[-2000:]


def test_verify_statement_exits_1_naming_the_first_failing_line(proved: dict[str, Any], digest: dict[str, Any],
                                                                tmp_path: Path) -> None:
    proved["lines"][1]["destination"] = "partner:susie:pending"
    result = _check(tmp_path, proved, digest)
    assert (result.returncode, "line 1 (position" in result.stderr, "destination" in result.stderr) == (1, True, True)


def test_verify_statement_exits_2_on_a_digest_without_a_root(proved: dict[str, Any], digest: dict[str, Any],
                                                             tmp_path: Path) -> None:
    del digest["root"]
    result = _check(tmp_path, proved, digest)
    assert (result.returncode, "ledger seal --export" in result.stderr) == (2, True), result.stderr[-2000:]


def test_verify_statement_exits_2_on_a_file_that_is_not_json(digest: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "digest.json").write_text(json.dumps(digest))
    (tmp_path / "statement.json").write_text("date,amount\n")
    result = _ledger(NOWHERE, "verify-statement", str(tmp_path / "statement.json"), "--digest",
                     str(tmp_path / "digest.json"))
    assert (result.returncode, "statement.json" in result.stderr) == (2, True), result.stderr[-2000:]


def _check(tmp_path: Path, document: dict[str, Any], digest: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """`ledger verify-statement`, with DATABASE_URL pointing nowhere: it needs no database."""
    (tmp_path / "statement.json").write_text(json.dumps(document))
    (tmp_path / "checked-digest.json").write_text(json.dumps(digest))
    return _ledger(NOWHERE, "verify-statement", str(tmp_path / "statement.json"), "--digest",
                   str(tmp_path / "checked-digest.json"))


def _ledger(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ | {"DATABASE_URL": database_url}, check=False)
