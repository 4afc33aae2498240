"""The HTTP API: keys, partners seeing only themselves, and referral privacy shaped by the program."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from ledger.database import ledger_env
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter
from projections.access import create_key, revoke_key
from projections.api import create_api
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from tests.builders import declined, inbound, joined, program, sale
from tests.integration.api_ledger import keys_for

pytestmark = pytest.mark.integration
LEVELS = ["none", "first_name_last_initial", "full_name", "full_name_email", "contact_id"]
EXPECTED = {"none": (None, None), "first_name_last_initial": ("Ada L.", None), "full_name": ("Ada Lovelace", None),
            "full_name_email": ("Ada Lovelace", "ada@example.com"), "contact_id": ("C-7", None)}


def _customer_sale(partner: str, sale_id: str) -> dict[str, Any]:
    return sale(sale_id, partner, 10_000) | {"customer": {"contact_id": "C-7", "first_name": "Ada",
                                                          "last_name": "Lovelace", "email": "ada@example.com"}}


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for level in LEVELS:
        events += [program(f"prog-{level}", referral_info=level), joined(f"p-{level}", program_id=f"prog-{level}"),
                   _customer_sale(f"p-{level}", f"S-{level}")]
    for flag in ("on", "off"):
        on = flag == "on"
        events += [program(f"flags-{flag}", referral_info="full_name", show_declines=on, show_purchase_history=on),
                   joined(f"f-{flag}", program_id=f"flags-{flag}"), _customer_sale(f"f-{flag}", f"S-f-{flag}"),
                   declined(f"f-{flag}", None, 5_000), _customer_sale(f"f-{flag}", f"S-f-{flag}-2"),
                   declined(f"f-{flag}", f"S-f-{flag}-2", 10_000)]
    return events


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """The API over a ledger holding one partner per privacy level and per show-flag setting."""
    app = LedgerWriter(PostgresStore.connect(ledger_env(database_url)))
    app.apply([inbound(e) for e in _events()])
    ProjectionRunner(database_url, all_projections()).catch_up()
    with TestClient(create_api(database_url)) as test_client:
        yield test_client


@pytest.fixture
def keys(database_url: str) -> dict[str, str]:
    """A key per partner, plus an analyst key."""
    return keys_for(database_url, [f"p-{lv}" for lv in LEVELS] + ["f-on", "f-off"])


def _get(client: TestClient, path: str, key: str | None) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {key}"} if key else {})


def test_no_key_gets_401(client: TestClient) -> None:
    assert _get(client, "/partners/p-none/balance", None).status_code == 401


def test_a_wrong_key_gets_401(client: TestClient) -> None:
    assert _get(client, "/partners/p-none/balance", "lk_not-a-key").status_code == 401


def test_a_partner_key_reading_another_partner_gets_403(client: TestClient, keys: dict[str, str]) -> None:
    assert _get(client, "/partners/p-full_name/balance", keys["p-none"]).status_code == 403


def test_a_declined_sale_is_hidden_without_show_declines(client: TestClient, keys: dict[str, str]) -> None:
    refs = [r["ref_id"] for r in _get(client, "/partners/f-off/referrals", keys["f-off"]).json()]
    assert refs == ["S-f-off"]


def test_a_partner_key_reads_its_own_balance(client: TestClient, keys: dict[str, str]) -> None:
    body = _get(client, "/partners/p-none/balance", keys["p-none"]).json()
    assert body["balances"][0]["available"] == {"amount": 2_000, "currency": "USD"}


def test_an_analyst_key_reads_any_partner(client: TestClient, keys: dict[str, str]) -> None:
    assert _get(client, "/partners/p-full_name/balance", keys["analyst"]).status_code == 200


def test_a_revoked_key_gets_401(client: TestClient, keys: dict[str, str], database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        key_id, secret = create_key(conn, "p-none")
        revoke_key(conn, key_id)
    assert _get(client, "/partners/p-none/balance", secret).status_code == 401


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    assert (_get(client, "/health", None).status_code, _get(client, "/docs", None).status_code) == (200, 200)


@pytest.mark.parametrize("level", LEVELS)
def test_referrals_show_the_customer_as_the_programs_privacy_level_allows(
        client: TestClient, keys: dict[str, str], level: str) -> None:
    [referral] = _get(client, f"/partners/p-{level}/referrals", keys[f"p-{level}"]).json()
    assert (referral["customer"], referral["customer_email"]) == EXPECTED[level]


def test_declines_appear_only_with_show_declines(client: TestClient, keys: dict[str, str]) -> None:
    kinds = {flag: sorted(r["kind"] for r in _get(client, f"/partners/f-{flag}/referrals", keys[f"f-{flag}"]).json())
             for flag in ("on", "off")}
    assert kinds == {"on": ["decline", "decline", "sale", "sale"], "off": ["sale"]}


def test_purchase_history_appears_only_with_show_purchase_history(client: TestClient, keys: dict[str, str]) -> None:
    amounts = {flag: [r["amount"] for r in _get(client, f"/partners/f-{flag}/referrals", keys[f"f-{flag}"]).json()
                      if r["kind"] == "sale"] for flag in ("on", "off")}
    assert amounts == {"on": [10_000, 10_000], "off": [None]}


def test_statement_lists_the_partners_ledger_lines(client: TestClient, keys: dict[str, str]) -> None:
    body = _get(client, "/partners/p-none/statement?from=2026-01-01T00:00:00Z", keys["p-none"]).json()
    assert [(line["cause"], line["amount"]) for line in body["lines"]] == [("sale", 2_000)]


def test_a_partner_sees_only_its_own_leaderboard_row(client: TestClient, keys: dict[str, str]) -> None:
    rows = _get(client, "/leaderboard", keys["p-none"]).json()
    assert [r["partner_id"] for r in rows] == ["p-none"]


def test_an_analyst_sees_the_whole_leaderboard(client: TestClient, keys: dict[str, str]) -> None:
    assert len(_get(client, "/leaderboard", keys["analyst"]).json()) == 7
