"""`ledger forget-customer`: the customer's name and email are gone from the database, API, CLI and logs; history stays."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from tests.builders import joined, program, sale
from tests.integration.harness import Harness, balances, wait_for

pytestmark = pytest.mark.integration

CONTACT = "c-forget-me"
FIRST, LAST, EMAIL = "Quenella", "Zarathwaite", "quenella.zarathwaite@example.org"
NEEDLES = (FIRST, LAST, EMAIL)


def _customer_sale(sale_id: str, partner: str, amount: int, event_id: str) -> dict[str, Any]:
    return sale(sale_id, partner, amount, event_id=event_id) | {
        "customer": {"contact_id": CONTACT, "first_name": FIRST, "last_name": LAST, "email": EMAIL}}


SETUP = [program(referral_info="full_name_email", event_id="prog-1"), joined("rex", event_id="join-rex")]
FIRST_SALE = _customer_sale("S-1", "rex", 10_000, "sale-1")
PARKED = _customer_sale("S-ghost", "ghost", 4_000, "sale-ghost")  # ghost never joins: it stays parked
NEGATIVE = _customer_sale("S-neg", "rex", -5, "sale-neg")  # dead-lettered: invalid money
MALFORMED = f'{{"event_id": "broken", "customer": {{"first_name": "{FIRST}", "email": "{EMAIL}"'.encode()
LATER = _customer_sale("S-2", "rex", 2_000, "sale-2")  # a new sale naming the forgotten customer
LATER_PARKED = _customer_sale("S-ghost-2", "ghost-2", 1_000, "sale-ghost-2")


@dataclass
class Erased:
    """The ledger after the customer was forgotten and then named again by later messages."""

    harness: Harness
    forget: Any
    balances_before: dict[str, tuple[int, int, int, int, int]]
    balances_after: dict[str, tuple[int, int, int, int, int]]
    referrals: httpx.Response


def _count(conn: psycopg.Connection[Any], query: str) -> int:
    return int(conn.execute(query).fetchone()[0])  # type: ignore[index]


def _api_get(harness: Harness, path: str, key: str) -> httpx.Response:
    def attempt() -> httpx.Response | None:
        try:
            return httpx.get(f"http://127.0.0.1:{harness.api_port}{path}", timeout=5,
                             headers={"Authorization": f"Bearer {key}"})
        except httpx.TransportError:
            return None
    return wait_for(attempt, f"the API to answer {path}")


@pytest.fixture(scope="module")
def erased(module_harness: Harness) -> Erased:
    """A sale, a parked sale and two dead letters naming the customer; forgotten; then named again."""
    harness, url = module_harness, module_harness.settings.database_url or ""
    harness.start_worker(api=True)
    harness.apply([*SETUP, FIRST_SALE])
    harness.publish([PARKED])
    harness.publish_raw("sales", [json.dumps(NEGATIVE).encode(), MALFORMED])
    with psycopg.connect(url, autocommit=True) as conn:
        wait_for(lambda: _count(conn, "SELECT count(*) FROM ledger.dead_letters") == 2
                 and _count(conn, "SELECT count(*) FROM ledger.parked_messages") == 1, "a dead letter and a park")
    before = balances(url)
    forget = harness.ledger("forget-customer", CONTACT, "--yes")
    after = balances(url)
    harness.publish([FIRST_SALE, LATER, LATER_PARKED])  # the first again (a redelivery) and two new ones
    harness.wait_until_applied([LATER])
    with psycopg.connect(url, autocommit=True) as conn:
        wait_for(lambda: _count(conn, "SELECT count(*) FROM ledger.parked_messages") == 2, "the second park")
    key = harness.ledger("keys", "create", "--partner", "rex").stdout.strip().splitlines()[-1]
    return Erased(harness, forget, before, after, _api_get(harness, "/partners/rex/referrals", key))


def _where_found(url: str) -> list[str]:
    """Every column of every table and view outside the system schemas that holds the name or the email."""
    found = []
    with psycopg.connect(url, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_%'").fetchall()
        for schema, table, column, kind in columns:
            test = ("position(convert_to(%s, 'UTF8') IN {c}) > 0" if kind == "bytea"
                    else "position(lower(%s) IN lower({c}::text)) > 0")
            where = test.format(c=f'"{column}"')
            for needle in NEEDLES:
                if conn.execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE {where}', (needle,)).fetchone()[0]:  # type: ignore[index]
                    found.append(f"{schema}.{table}.{column}")
    return found


def test_the_command_says_what_it_erased_and_that_kafka_still_holds_the_messages(erased: Erased) -> None:
    out = " ".join(erased.forget.stdout.split())  # as the terminal wrapped it
    assert erased.forget.returncode == 0, erased.forget.stderr
    assert ("1 personal data row deleted" in out, "2 dead letter(s)" in out, "1 parked message" in out,
            "retention" in out) == (True, True, True, True)


def test_the_name_and_email_are_in_no_column_of_any_table_or_view(erased: Erased) -> None:
    assert _where_found(erased.harness.settings.database_url or "") == []


def test_the_partner_sees_the_customer_as_erased(erased: Erased) -> None:
    rows = [r for r in erased.referrals.json() if r["ref_id"] in ("S-1", "S-2")]
    assert sorted((r["ref_id"], r["customer"], r["customer_email"]) for r in rows) == [
        ("S-1", "erased", "erased"), ("S-2", "erased", "erased")]


def test_the_api_answers_without_the_name_or_email(erased: Erased) -> None:
    assert [n for n in NEEDLES if n.lower() in erased.referrals.text.lower()] == []


def test_the_cli_listings_show_neither_the_name_nor_the_email(erased: Erased) -> None:
    outputs = [erased.harness.ledger(*args) for args in (
        ("partners", "--json"), ("statement", "rex", "--from", "2026-03-01", "--json"), ("status", "--json"),
        ("downline", "rex", "--json"), ("balance", "rex", "--json"))]
    assert [r.returncode for r in outputs] == [0] * len(outputs)
    assert [n for r in outputs for n in NEEDLES if n.lower() in (r.stdout + r.stderr).lower()] == []


def test_the_worker_log_shows_neither_the_name_nor_the_email(erased: Erased) -> None:
    logs = "".join(path.read_text(errors="replace") for path in erased.harness.logs.values())
    assert "batch_applied" in logs
    assert [n for n in NEEDLES if n.lower() in logs.lower()] == []


def test_the_log_still_verifies_against_its_hash_chain(erased: Erased) -> None:
    verified = erased.harness.ledger("verify")
    assert verified.returncode == 0, verified.stderr


def test_balances_are_the_same_after_forgetting(erased: Erased) -> None:
    assert (erased.balances_after, erased.balances_before["rex"][1]) == (erased.balances_before, 2_000)


def test_forgetting_again_scrubs_again_and_says_when_it_was_first_done(erased: Erased) -> None:
    again = erased.harness.ledger("forget-customer", CONTACT, "--yes")
    assert (again.returncode, "first forgotten at" in " ".join(again.stdout.split())) == (0, True)


def test_an_unknown_contact_is_an_error_that_erases_nothing(erased: Erased) -> None:
    unknown = erased.harness.ledger("forget-customer", "c-nobody", "--yes")
    assert (unknown.returncode, "no customer with contact id" in " ".join(unknown.stderr.split())) == (1, True)


def _writer(database_url: str) -> Any:
    from ledger.database import ledger_env
    from ledger.store.postgres import PostgresStore
    from ledger.writer import LedgerWriter

    return LedgerWriter(PostgresStore.connect(ledger_env(database_url)), min_wait_s=300, snapshot_every=1)


def _forget(database_url: str) -> None:
    from ledger.database import ledger_env
    from ledger.store.erasure import forget
    from ledger.store.postgres import PostgresStore

    store = PostgresStore.connect(ledger_env(database_url))
    with store.datastore.transaction(commit=True) as curs:
        assert forget(curs, store.sql, CONTACT).known
    store.close()


@pytest.fixture
def parked_then_forgotten(database_url: str) -> str:
    """A writer that snapshotted a parked sale naming the customer; the customer then forgotten."""
    from tests.builders import inbound

    writer = _writer(database_url)
    writer.apply([inbound(e) for e in [*SETUP, PARKED]])
    writer.store.close()
    _forget(database_url)
    return database_url


def test_a_writer_restarted_after_forgetting_holds_no_personal_data_of_a_parked_event(
        parked_then_forgotten: str) -> None:
    writer = _writer(parked_then_forgotten)
    (waiter,) = writer.waiting.by_id.values()
    customer = waiter.event.customer
    assert ((customer.contact_id, customer.first_name, customer.email), FIRST.encode() in waiter.raw) == (
        (CONTACT, "", ""), False)


def test_a_parked_event_of_a_forgotten_customer_decided_later_brings_no_data_back(
        parked_then_forgotten: str, db: psycopg.Connection[Any]) -> None:
    from tests.builders import inbound

    writer = _writer(parked_then_forgotten)
    writer.apply([inbound(joined("ghost", event_id="join-ghost"))])
    assert (_count(db, "SELECT count(*) FROM projections.partner_balances WHERE partner_id = 'ghost'"),
            _where_found(parked_then_forgotten)) == (1, [])


def test_a_snapshot_taken_while_the_customers_sale_was_parked_holds_neither_name_nor_email(
        parked_then_forgotten: str, db: psycopg.Connection[Any]) -> None:
    bodies = [zlib.decompress(bytes(r[0])) for r in db.execute("SELECT body FROM ledger.snapshots")]
    assert (bool(bodies), [n for n in NEEDLES for body in bodies if n.encode() in body]) == (True, [])


def test_forgetting_drops_a_snapshot_of_an_earlier_version_that_holds_the_customer(
        database_url: str, db: psycopg.Connection[Any]) -> None:
    from tests.builders import inbound

    writer = _writer(database_url)
    writer.apply([inbound(e) for e in [*SETUP, FIRST_SALE]])
    writer.store.close()
    db.execute("INSERT INTO ledger.snapshots (position, body) VALUES (1000000, %s)",
               (zlib.compress(f"an earlier format holding {FIRST} {LAST}".encode()),))
    _forget(database_url)
    assert _count(db, "SELECT count(*) FROM ledger.snapshots") == 0


def test_answering_no_to_the_question_erases_nothing(erased: Erased) -> None:
    asked = subprocess.run([sys.executable, "-m", "streams.cli", "forget-customer", "c-nobody"], input="n\n",
                           env=erased.harness.env, capture_output=True, text=True, timeout=120, check=False)
    assert (asked.returncode, "nothing erased" in asked.stderr) == (1, True)
