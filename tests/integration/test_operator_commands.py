"""Operator commands: listing keys, refusing a key for an unknown partner, the analyst's connection string."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest

from tests.builders import two_tier_events
from tests.integration.harness import Harness

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ledger(module_harness: Harness) -> Harness:
    """A ledger that has applied the two-tier example."""
    worker = module_harness.start_worker()
    module_harness.apply(two_tier_events())
    module_harness.stop_worker(worker)
    return module_harness


def test_a_key_for_a_known_partner_is_made(ledger: Harness) -> None:
    made = ledger.ledger("keys", "create", "--partner", "rex")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().splitlines()[-1].startswith("lk_")


def test_a_key_for_an_unknown_partner_is_refused_with_how_to_list_partners(ledger: Harness) -> None:
    refused = ledger.ledger("keys", "create", "--partner", "nobody")
    assert refused.returncode == 1
    assert "ledger partners" in refused.stderr and "lk_" not in refused.stdout


def test_keys_list_shows_each_key_and_whether_it_is_revoked(ledger: Harness) -> None:
    made = [ledger.ledger("keys", "create", *args).stdout for args in (["--partner", "rex"], ["--analyst"])]
    key_id = made[0].split()[1]
    assert ledger.ledger("keys", "revoke", key_id).returncode == 0
    listed = {row["key_id"]: row for row in json.loads(ledger.ledger("keys", "list", "--json").stdout)}
    assert listed[key_id]["kind"] == "partner" and listed[key_id]["partner_id"] == "rex"
    assert listed[key_id]["revoked_at"] is not None and listed[made[1].split()[1]]["revoked_at"] is None


def test_keys_list_never_shows_a_secret_or_its_hash(ledger: Harness) -> None:
    secret = ledger.ledger("keys", "create", "--analyst").stdout.strip().splitlines()[-1]
    with psycopg.connect(ledger.settings.database_url or "") as conn:
        hashes = [row[0] for row in conn.execute("SELECT key_hash FROM access.api_keys").fetchall()]
    for args in (["--json"], []):
        listed = ledger.ledger("keys", "list", *args)
        assert listed.returncode == 0, listed.stderr
        assert secret not in listed.stdout and not any(h in listed.stdout for h in hashes)
        assert "key_hash" not in listed.stdout


@pytest.fixture(scope="module")
def analyst_url(ledger: Harness) -> str:
    """The connection string `ledger analyst-role` printed for a fresh role on the embedded database."""
    printed = ledger.ledger("analyst-role", f"analyst_{uuid.uuid4().hex[:8]}")
    assert printed.returncode == 0, printed.stderr
    return printed.stdout.strip().splitlines()[-1]


def test_the_printed_analyst_url_reads_the_projections(analyst_url: str) -> None:
    with psycopg.connect(analyst_url) as conn:
        assert conn.execute("SELECT count(*) FROM projections.partner_balances").fetchone()[0] > 0  # type: ignore[index]


def test_the_printed_analyst_url_is_refused_the_raw_ledger(analyst_url: str) -> None:
    with psycopg.connect(analyst_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM ledger.entries")


def test_an_analyst_password_is_printed_masked_unless_asked(ledger: Harness) -> None:
    role = f"analyst_{uuid.uuid4().hex[:8]}"
    masked = ledger.ledger("analyst-role", role, "--password", "s3cret-pw")
    shown = ledger.ledger("analyst-role", role, "--password", "s3cret-pw", "--show-password")
    assert masked.returncode == 0 and "s3cret-pw" not in masked.stdout + masked.stderr
    assert f"{role}:s3cret-pw@" in shown.stdout
