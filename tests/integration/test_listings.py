"""`GET /partners`, `/commissions`, `/payouts`: filters, keyset pages, a partner key's own rows, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from projections import listings
from projections.api import create_api
from tests.builders import joined, payout, program, sale
from tests.integration.api_ledger import analyst_and_rex_keys, decided_ledger

pytestmark = pytest.mark.integration
# Susie recruited rex in "prog"; zed joined "other" on 5 March. Rex sells twice (susie earns level 2 on both),
# susie once; rex is paid out twice, susie once.
EVENTS = [program(), program("other"), joined("susie"), joined("rex", recruited_by="susie"),
          joined("zed", program_id="other", day=5), sale("S-1", "rex", 10_000, day=2),
          sale("S-2", "rex", 20_000, day=10), sale("S-3", "susie", 5_000, day=12),
          payout("rex", 1_000, day=20, event_id="P-1"), payout("rex", 500, day=25, event_id="P-2"),
          payout("susie", 100, day=25, event_id="P-3")]
ALL = {"/partners": 3, "/commissions": 5, "/payouts": 3}


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    with decided_ledger(postgres_admin_url, EVENTS) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    """An analyst key and a key for rex."""
    return analyst_and_rex_keys(ledger_url)


@pytest.fixture(scope="module")
def client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url)) as test_client:
        yield test_client


def _get(client: TestClient, path: str, key: str, **params: Any) -> Any:
    return client.get(path, params=params, headers={"Authorization": f"Bearer {key}"})


def _items(client: TestClient, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    answer = _get(client, path, key, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _walk(client: TestClient, path: str, key: str, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):  # a cursor that never moves on must fail the test, not hang it
        page = _get(client, path, key, limit=limit, **({"cursor": cursor} if cursor else {})).json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError(f"no last page after 20: {rows}")


@pytest.mark.parametrize(("params", "expected"), [
    ({"program_id": "other"}, ["zed"]), ({"recruited_by": "susie"}, ["rex"]),
    ({"joined_from": "2026-03-03"}, ["zed"]), ({"joined_to": "2026-03-03"}, ["rex", "susie"]), ({}, ["rex", "susie", "zed"])])
def test_partner_filters_narrow_the_list(client: TestClient, keys: dict[str, str], params: dict[str, str],
                                         expected: list[str]) -> None:
    assert [p["partner_id"] for p in _items(client, "/partners", keys["analyst"], **params)] == expected


@pytest.mark.parametrize(("params", "expected"), [
    ({"partner_id": "susie"}, [("S-1", "susie", 2), ("S-2", "susie", 2), ("S-3", "susie", 1)]),
    ({"sale_id": "S-2"}, [("S-2", "rex", 1), ("S-2", "susie", 2)]),
    ({"level": 2}, [("S-1", "susie", 2), ("S-2", "susie", 2)]),
    ({"from": "2026-03-10", "to": "2026-03-12"}, [("S-2", "rex", 1), ("S-2", "susie", 2)])])
def test_commission_filters_narrow_the_list(client: TestClient, keys: dict[str, str], params: dict[str, str],
                                            expected: list[tuple[str, str, int]]) -> None:
    rows = _items(client, "/commissions", keys["analyst"], **params)
    assert [(r["sale_id"], r["partner_id"], r["level"]) for r in rows] == expected


def test_a_commission_line_carries_its_money_in_minor_units_with_the_currency(client: TestClient,
                                                                               keys: dict[str, str]) -> None:
    row = _items(client, "/commissions", keys["analyst"], sale_id="S-1", level=1)[0]
    assert (row["earned"], row["reversed"], row["net"], row["currency"]) == (2_000, 0, 2_000, "USD")


@pytest.mark.parametrize(("params", "expected"), [
    ({"partner_id": "rex"}, [("P-1", 1_000), ("P-2", 500)]), ({"from": "2026-03-25"}, [("P-2", 500), ("P-3", 100)]),
    ({"to": "2026-03-25"}, [("P-1", 1_000)])])
def test_payout_filters_narrow_the_list(client: TestClient, keys: dict[str, str], params: dict[str, str],
                                        expected: list[tuple[str, int]]) -> None:
    rows = _items(client, "/payouts", keys["analyst"], **params)
    assert [(r["payout_id"], r["amount"]) for r in rows] == expected


@pytest.mark.parametrize("limit", [1, 2])
@pytest.mark.parametrize("path", list(ALL))
def test_pages_walk_every_row_exactly_once(client: TestClient, keys: dict[str, str], path: str, limit: int) -> None:
    assert _walk(client, path, keys["analyst"], limit) == _items(client, path, keys["analyst"], limit=1000)
    assert len(_items(client, path, keys["analyst"])) == ALL[path]


@pytest.mark.parametrize("path", ["/commissions", "/payouts"])
def test_a_partner_key_lists_only_its_own_rows(client: TestClient, keys: dict[str, str], path: str) -> None:
    rows = _items(client, path, keys["rex"])
    assert rows and {r["partner_id"] for r in rows} == {"rex"}


@pytest.mark.parametrize("path", ["/commissions", "/payouts"])
@pytest.mark.parametrize("partner", ["susie", "nobody"])
def test_a_partner_key_naming_another_partner_gets_403(client: TestClient, keys: dict[str, str], path: str,
                                                       partner: str) -> None:
    assert _get(client, path, keys["rex"], partner_id=partner).status_code == 403


def test_a_partner_key_may_not_list_partners(client: TestClient, keys: dict[str, str]) -> None:
    assert _get(client, "/partners", keys["rex"]).status_code == 403


@pytest.mark.parametrize("path", list(ALL))
def test_a_list_needs_a_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401


@pytest.mark.parametrize("path", list(ALL))
def test_the_csv_holds_a_header_and_the_same_rows_as_the_json(client: TestClient, keys: dict[str, str],
                                                              path: str) -> None:
    answer = _get(client, path, keys["analyst"], format="csv", limit=1)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()}
               for row in _items(client, path, keys["analyst"], limit=1000)]
    assert rows == as_text and len(rows) == ALL[path]


def test_a_partner_keys_csv_holds_only_its_own_rows(client: TestClient, keys: dict[str, str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_get(client, "/payouts", keys["rex"], format="csv").text)))
    assert [r["payout_id"] for r in rows] == ["P-1", "P-2"]


@pytest.mark.parametrize("limit", [0, 1001, -1])
@pytest.mark.parametrize("path", list(ALL))
def test_a_limit_out_of_range_is_refused(client: TestClient, keys: dict[str, str], path: str, limit: int) -> None:
    assert _get(client, path, keys["analyst"], limit=limit).status_code == 422


@pytest.mark.parametrize("cursor", ["not base64!", "WzFd", "WyJ4IiwgIngiLCAieCIsIDEsICJ4Il0="])
def test_a_cursor_the_list_did_not_hand_out_is_refused(client: TestClient, keys: dict[str, str], cursor: str) -> None:
    answer = _get(client, "/commissions", keys["analyst"], cursor=cursor)
    assert answer.status_code == 422 and "next_cursor" in answer.json()["detail"]


@pytest.mark.parametrize(("listing", "filters"), [
    (listings.COMMISSIONS, []), (listings.COMMISSIONS, [("partner_id = %s", "rex")]),
    (listings.PAYOUTS, []), (listings.PAYOUTS, [("partner_id = %s", "rex")])])
def test_a_list_page_is_read_in_index_order_without_sorting_the_table(ledger_url: str, listing: listings.Listing,
                                                                      filters: list[listings.Filter]) -> None:
    query, values = listings._sql(listing, filters, None)
    with psycopg.connect(ledger_url) as conn:
        # A table this small would be scanned whatever its indexes.
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {query} LIMIT 50", values).fetchall())
    assert "Index" in plan and "Sort" not in plan, plan
