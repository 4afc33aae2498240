"""The partner center's referrals page, shaped by the program: referral_info, show_declines, show_purchase_history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from projections.api import create_api
from tests.builders import declined, joined, program, sale
from tests.integration.api_ledger import decided_ledger, keys_for
from tests.integration.portal_client import signed_in

pytestmark = pytest.mark.integration
LEVELS = ["none", "first_name_last_initial", "full_name", "full_name_email", "contact_id"]
# What each level shows of Ada Lovelace (contact C-7, ada@example.com), and what it must not.
SHOWN = {"none": [], "first_name_last_initial": ["Ada L."], "full_name": ["Ada Lovelace"],
         "full_name_email": ["Ada Lovelace", "ada@example.com"], "contact_id": ["C-7"]}
EVERYTHING = ["Ada", "Lovelace", "ada@example.com", "C-7"]


def _bought(partner: str, sale_id: str, day: int, amount: int = 10_000, who: tuple[str, str, str] = (
        "C-7", "Ada", "Lovelace")) -> dict[str, Any]:
    contact, first, last = who
    return sale(sale_id, partner, amount, day=day, product_id=f"kit-{sale_id}") | {"customer": {
        "contact_id": contact, "first_name": first, "last_name": last, "email": f"{first.lower()}@example.com"}}


def _events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for level in LEVELS:
        events += [program(f"prog-{level}", referral_info=level), joined(f"p-{level}", program_id=f"prog-{level}"),
                   _bought(f"p-{level}", f"S-{level}", day=2)]
    for flag in ("on", "off"):  # Ada buys twice (Mar 9 and Mar 2), Grace once; one of Grace's charges is declined
        events += [program(f"flags-{flag}", referral_info="full_name", show_declines=flag == "on",
                           show_purchase_history=flag == "on"), joined(f"f-{flag}", program_id=f"flags-{flag}"),
                   _bought(f"f-{flag}", f"A2-{flag}", day=9, amount=2_500), _bought(f"f-{flag}", f"A1-{flag}", day=2),
                   _bought(f"f-{flag}", f"G1-{flag}", day=5, amount=7_000, who=("C-8", "Grace", "Hopper")),
                   declined(f"f-{flag}", None, 5_000, day=6)]
    return events


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    with decided_ledger(postgres_admin_url, _events()) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    return keys_for(ledger_url, [f"p-{lv}" for lv in LEVELS] + ["f-on", "f-off"], analyst=False)


@pytest.fixture(scope="module")
def client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url)) as test_client:
        yield test_client


def _referrals(client: TestClient, key: str) -> str:
    section = signed_in(client, key).get("/portal/referrals").text.split('<section id="referrals"', 1)[1]
    return section.split("</section>", 1)[0]


@pytest.mark.parametrize("level", LEVELS)
def test_a_referral_shows_what_the_programs_referral_info_allows(client: TestClient, keys: dict[str, str],
                                                                level: str) -> None:
    html = _referrals(client, keys[f"p-{level}"])
    assert [text for text in SHOWN[level] if text in html] == SHOWN[level]


@pytest.mark.parametrize("level", LEVELS)
def test_a_referral_shows_nothing_more_than_the_programs_referral_info_allows(client: TestClient,
                                                                             keys: dict[str, str], level: str) -> None:
    html = _referrals(client, keys[f"p-{level}"])
    hidden = [text for text in EVERYTHING if not any(text in shown for shown in SHOWN[level])]
    assert [text for text in hidden if text in html] == []


@pytest.mark.parametrize(("level", "columns"), [
    ("none", ["date", "status"]), ("first_name_last_initial", ["customer", "date", "status"]),
    ("full_name_email", ["customer", "email", "date", "status"])])
def test_a_column_the_program_hides_has_no_cell_at_all(client: TestClient, keys: dict[str, str], level: str,
                                                       columns: list[str]) -> None:
    row = _referrals(client, keys[f"p-{level}"]).split('class="referral-row"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'data-col="(\w+)"', row) == columns


def test_without_purchase_history_there_is_no_product_or_amount_column(client: TestClient,
                                                                     keys: dict[str, str]) -> None:
    html = _referrals(client, keys["f-off"])
    assert ">Product<" not in html and ">Amount<" not in html and "kit-" not in html and "70.00" not in html


def test_with_purchase_history_each_customers_purchases_are_grouped_over_time(client: TestClient,
                                                                             keys: dict[str, str]) -> None:
    html = _referrals(client, keys["f-on"])
    ada = html.split('data-customer="Ada Lovelace"', 1)[1].split("</tbody>", 1)[0]
    assert re.findall(r'data-col="product">([^<]*)<', ada) == ["kit-A1-on", "kit-A2-on"]
    assert re.findall(r'data-col="amount" class="money">([^<]*)<', ada) == ["100.00 USD", "25.00 USD"]


def test_with_purchase_history_there_is_one_group_per_customer(client: TestClient, keys: dict[str, str]) -> None:
    groups = re.findall(r'<tbody class="customer" data-customer="([^"]*)">', _referrals(client, keys["f-on"]))
    assert groups == ["Ada Lovelace", "Bo B", "Grace Hopper"]


def test_declines_are_listed_when_the_program_shows_them(client: TestClient, keys: dict[str, str]) -> None:
    assert 'data-kind="decline"' in _referrals(client, keys["f-on"])


def test_declines_are_left_out_when_the_program_hides_them(client: TestClient, keys: dict[str, str]) -> None:
    html = _referrals(client, keys["f-off"])
    assert 'data-kind="decline"' not in html and 'data-col="status">declined<' not in html and html.count('class="referral-row"') == 3


def test_a_partner_sees_only_the_customers_it_referred(client: TestClient, keys: dict[str, str]) -> None:
    assert "Grace" not in _referrals(client, keys["p-full_name"])
