"""What a partner sees of the customers they referred: exactly what the program's settings allow, nothing more."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.integration.api_ledger import keys_for
from tests.integration.browser.ledgers import LEVELS, decided, privacy_events
from tests.integration.browser.portal import Sessions, cells, served_api

pytestmark = pytest.mark.integration
ROWS = "#referrals tr.referral-row"
# What each referral_info level shows of Ada and Grace, and what of them must appear nowhere in the page.
SHOWN = {"none": ([], ["Ada", "Lovelace", "Grace", "Hopper", "C-1001", "C-1002"]),
         "first_name_last_initial": (["Ada L.", "Ada L.", "Grace H."], ["Lovelace", "Hopper", "C-1001", "C-1002"]),
         "full_name": (["Ada Lovelace", "Ada Lovelace", "Grace Hopper"], ["C-1001", "C-1002"]),
         "full_name_email": (["Ada Lovelace", "Ada Lovelace", "Grace Hopper"], ["C-1001", "C-1002"]),
         "contact_id": (["C-1001", "C-1001", "C-1002"], ["Ada", "Lovelace", "Grace", "Hopper"])}
EMAIL_DOMAIN = "customers.example"


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    """A program per referral_info level, one showing declines, one showing purchase history; a partner in each."""
    with decided(postgres_admin_url, [privacy_events()]) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    return keys_for(ledger_url, [f"partner-{name}" for name in (*LEVELS, "declines", "history")])


@pytest.fixture(scope="module")
def base_url(ledger_url: str) -> Iterator[str]:
    """The API with the portal, over HTTP."""
    with served_api(ledger_url) as url:
        yield url


def _referrals_of(page: Page, sessions: Sessions, key: str) -> Page:
    return sessions.open(page, key, "/portal/referrals")


@pytest.mark.parametrize("level", LEVELS)
def test_the_referrals_name_each_customer_as_the_referral_info_level_allows(page: Page, sessions: Sessions,
                                                                           keys: dict[str, str], level: str) -> None:
    _referrals_of(page, sessions, keys[f"partner-{level}"])
    assert page.locator(ROWS).count() == 3
    assert sorted(cells(page, ROWS, "customer")) == SHOWN[level][0]


@pytest.mark.parametrize("level", LEVELS)
def test_the_referrals_page_holds_nothing_of_a_customer_the_level_hides(page: Page, sessions: Sessions,
                                                                        keys: dict[str, str], level: str) -> None:
    html = _referrals_of(page, sessions, keys[f"partner-{level}"]).content()
    assert [hidden for hidden in SHOWN[level][1] if hidden in html] == []


def test_the_referrals_without_a_customer_level_render_no_customer_column(page: Page, sessions: Sessions,
                                                                          keys: dict[str, str]) -> None:
    _referrals_of(page, sessions, keys["partner-none"])
    assert page.locator("#referrals [data-col='customer']").count() == 0
    assert "customer" not in " ".join(page.locator("#referrals th").all_inner_texts()).lower()


@pytest.mark.parametrize("level", [level for level in LEVELS if level != "full_name_email"])
def test_no_customer_email_is_anywhere_in_the_page_below_full_name_email(page: Page, sessions: Sessions,
                                                                         keys: dict[str, str], level: str) -> None:
    html = _referrals_of(page, sessions, keys[f"partner-{level}"]).content()
    assert EMAIL_DOMAIN not in html and page.locator("#referrals [data-col='email']").count() == 0


def test_full_name_email_shows_each_customers_email(page: Page, sessions: Sessions, keys: dict[str, str]) -> None:
    _referrals_of(page, sessions, keys["partner-full_name_email"])
    assert sorted(cells(page, ROWS, "email")) == [f"ada@{EMAIL_DOMAIN}", f"ada@{EMAIL_DOMAIN}",
                                                  f"grace@{EMAIL_DOMAIN}"]


def test_a_program_showing_declines_lists_the_declined_charge(page: Page, sessions: Sessions,
                                                              keys: dict[str, str]) -> None:
    _referrals_of(page, sessions, keys["partner-declines"])
    declined = page.locator(ROWS).filter(has_text="declined")
    assert declined.count() == 1 and "Alan Turing" in declined.inner_text()


def test_a_program_hiding_declines_shows_no_declined_charge(page: Page, sessions: Sessions,
                                                            keys: dict[str, str]) -> None:
    html = _referrals_of(page, sessions, keys["partner-full_name_email"]).content()
    assert "declined" not in cells(page, ROWS, "status") and "Turing" not in html and "C-1003" not in html


def test_purchase_history_groups_each_customers_purchases_with_product_and_amount(
        page: Page, sessions: Sessions, keys: dict[str, str]) -> None:
    _referrals_of(page, sessions, keys["partner-history"])
    groups = {group.get_attribute("data-customer"): group for group in page.locator("#referrals tbody.customer").all()}
    assert sorted(groups) == ["Ada Lovelace", "Grace Hopper"]
    ada = "#referrals tbody.customer[data-customer='Ada Lovelace'] tr.referral-row"
    assert sorted(zip(cells(page, ada, "product"), cells(page, ada, "amount"), strict=True)) == [
        ("pro-plan", "100.00 USD"), ("team-plan", "250.00 USD")]


def test_without_purchase_history_no_product_or_amount_is_rendered(page: Page, sessions: Sessions,
                                                                   keys: dict[str, str]) -> None:
    html = _referrals_of(page, sessions, keys["partner-full_name_email"]).content()
    assert page.locator("#referrals [data-col='product'], #referrals [data-col='amount']").count() == 0
    assert "team-plan" not in html and "250.00" not in html
