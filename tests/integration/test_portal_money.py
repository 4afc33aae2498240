"""The partner center's overview and statement: balances, maturation dates, opening and closing, the CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from projections.api import create_api
from tests.builders import joined, payout, program, sale
from tests.integration.api_ledger import decided_ledger, keys_for
from tests.integration.portal_client import signed_in

pytestmark = pytest.mark.integration
# Rex (30-day hold) sold 100.00 on Mar 2 and 50.00 on Mar 10: 20.00 and 10.00 pending until Apr 1 and Apr 9.
# Pat (no hold) sold 100.00 on Mar 2 and was paid 5.00 on Mar 20: 15.00 available, 5.00 paid.
EVENTS = [program(hold_days=30), program("nohold"), joined("rex"), joined("pat", program_id="nohold"),
          sale("S-1", "rex", 10_000, day=2), sale("S-2", "rex", 5_000, day=10), sale("S-9", "pat", 10_000, day=2),
          payout("pat", 500, day=20)]


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    with decided_ledger(postgres_admin_url, EVENTS) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    return keys_for(ledger_url, ("rex", "pat"), analyst=False)


@pytest.fixture
def client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url)) as test_client:
        yield test_client


def _cells(html: str, row: str) -> dict[str, str]:
    """The data-col cells of the first row whose opening tag contains `row`."""
    body = html.split(row, 1)[1].split("</tr>", 1)[0]
    return dict(re.findall(r'data-col="(\w+)">([^<]*)<', body))


def test_the_overview_shows_each_bucket_of_a_partner_paid_out_of_available(client: TestClient,
                                                                          keys: dict[str, str]) -> None:
    html = signed_in(client, keys["pat"]).get("/portal/").text
    assert _cells(html, 'data-currency="USD"') == {"pending": "0.00 USD", "available": "15.00 USD",
                                                   "paid": "5.00 USD"}


def test_the_overview_shows_commission_on_hold_as_pending(client: TestClient, keys: dict[str, str]) -> None:
    html = signed_in(client, keys["rex"]).get("/portal/").text
    assert _cells(html, 'data-currency="USD"')["pending"] == "30.00 USD"


def test_the_overview_dates_pending_commission_by_sale_time_plus_the_hold(client: TestClient,
                                                                         keys: dict[str, str]) -> None:
    html = signed_in(client, keys["rex"]).get("/portal/").text
    rows = re.findall(r'<tr class="maturing-row"><td>([^<]*)</td><td>USD</td><td class="money">([^<]*)</td>', html)
    assert rows == [("2026-04-01", "20.00 USD"), ("2026-04-09", "10.00 USD")]


def test_the_overview_of_a_partner_with_nothing_pending_has_no_maturation_dates(client: TestClient,
                                                                               keys: dict[str, str]) -> None:
    assert 'class="maturing-row"' not in signed_in(client, keys["pat"]).get("/portal/").text


def test_the_statement_shows_the_opening_and_closing_of_its_period(client: TestClient, keys: dict[str, str]) -> None:
    html = signed_in(client, keys["pat"]).get("/portal/statement?from=2026-03-10&to=2026-03-31").text
    assert _cells(html, 'id="opening"')["available"] == "20.00 USD"
    assert _cells(html, 'id="closing"') == {"pending": "0.00 USD", "available": "15.00 USD", "paid": "5.00 USD",
                                            "owed": "15.00 USD"}


def test_the_statement_lists_only_the_lines_of_its_period(client: TestClient, keys: dict[str, str]) -> None:
    html = signed_in(client, keys["pat"]).get("/portal/statement?from=2026-03-10&to=2026-03-31").text
    assert html.count('class="statement-line"') == 1 and "payout" in html


def test_the_statement_links_its_csv_with_the_same_filters(client: TestClient, keys: dict[str, str]) -> None:
    html = signed_in(client, keys["pat"]).get("/portal/statement?from=2026-03-10&to=2026-03-31&basis=recorded").text
    link = re.search(r'id="statement-csv" href="([^"]*)"', html)
    assert link is not None
    assert link[1].replace("&amp;", "&") == \
        "/portal/statement.csv?from=2026-03-10&to=2026-03-31&basis=recorded&currency=USD"


def test_the_statement_csv_holds_the_lines_the_page_shows(client: TestClient, keys: dict[str, str]) -> None:
    signed_in(client, keys["rex"])
    html = client.get("/portal/statement?from=2026-03-01&to=2026-03-31").text
    rows = list(csv.DictReader(io.StringIO(client.get("/portal/statement.csv?from=2026-03-01&to=2026-03-31").text)))
    shown = re.findall(r'class="statement-line" data-position="(\d+)" data-line="(\d+)"', html)
    assert [(r["position"], r["line"]) for r in rows if r["record"] == "line"] == shown and len(shown) == 2


def test_the_statement_csv_closes_with_the_pages_closing_balance(client: TestClient, keys: dict[str, str]) -> None:
    signed_in(client, keys["pat"])
    rows = list(csv.DictReader(io.StringIO(client.get("/portal/statement.csv?from=2026-03-01&to=2026-03-31").text)))
    assert [(r["record"], r["available"], r["paid"]) for r in rows if r["record"] != "line"] == [
        ("opening", "0", "0"), ("closing", "1500", "500")]


def test_a_statement_date_that_is_no_date_is_refused_with_an_alert(client: TestClient, keys: dict[str, str]) -> None:
    answer = signed_in(client, keys["pat"]).get("/portal/statement?from=March")
    assert answer.status_code == 422 and 'role="alert"' in answer.text


def test_a_partner_sees_only_its_own_statement(client: TestClient, keys: dict[str, str]) -> None:
    html = signed_in(client, keys["pat"]).get("/portal/statement?from=2026-03-01&to=2026-03-31").text
    assert "S-9" in html and "S-1" not in html and "rex" not in html
