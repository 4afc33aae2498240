"""A partner signs in to the partner center in a real browser and reads every section of it."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator

import psycopg
import pytest
from playwright.sync_api import Page, expect

from projections.access import create_key, revoke_key
from tests.integration.api_ledger import keys_for
from tests.integration.browser.ledgers import (
    MATURED_AT,
    decided,
    guild_events,
    rex_after_maturing,
    rex_before_maturing,
)
from tests.integration.browser.portal import (
    Sessions,
    cells,
    served_api,
    sign_in,
)

pytestmark = pytest.mark.integration
SETTINGS = ("referral_info", "show_declines", "show_purchase_history", "show_leaderboard_names")
Opener = Callable[[str], Page]  # opens a portal path, signed in
NAV = {"nav-overview": "/portal/", "nav-statement": "/portal/statement", "nav-referrals": "/portal/referrals",
       "nav-downline": "/portal/downline", "nav-milestones": "/portal/milestones",
       "nav-leaderboard": "/portal/leaderboard"}


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    """Rex (acme, names hidden on the leaderboard) earned, was paid, recruited mia; ivy's guild shows names."""
    steps = [rex_before_maturing(), MATURED_AT, rex_after_maturing(), guild_events()]
    with decided(postgres_admin_url, steps) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    return keys_for(ledger_url, ["rex", "ivy"])


@pytest.fixture(scope="module")
def base_url(ledger_url: str) -> Iterator[str]:
    """The API with the portal, over HTTP."""
    with served_api(ledger_url) as url:
        yield url


@pytest.fixture
def rex_at(page: Page, sessions: Sessions, keys: dict[str, str]) -> Opener:
    """Opens a portal page signed in as rex."""
    return lambda path: sessions.open(page, keys["rex"], path)


@pytest.fixture
def analyst(page: Page, sessions: Sessions, keys: dict[str, str]) -> Page:
    """The page, signed in with the analyst's key, on the operator page."""
    return sessions.open(page, keys["analyst"], "/portal/operator")


@pytest.fixture
def rex(rex_at: Opener) -> Page:
    """The page, signed in as rex, on the overview."""
    return rex_at("/portal/")


def test_a_partner_who_signs_in_with_the_key_form_lands_on_the_overview(page: Page, base_url: str,
                                                                        keys: dict[str, str]) -> None:
    sign_in(page, base_url, keys["rex"])
    assert page.url == f"{base_url}/portal/"
    expect(page.locator("#balances")).to_be_visible()


def test_the_session_cookie_is_http_only_same_site_and_never_holds_the_key(page: Page, base_url: str,
                                                                         keys: dict[str, str]) -> None:
    sign_in(page, base_url, keys["rex"])
    [cookie] = [c for c in page.context.cookies() if c["name"] == "ledger_portal"]
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Lax", "/portal")
    assert keys["rex"] not in cookie["value"] and keys["rex"] not in page.content()


def test_the_overview_shows_pending_available_and_paid_money_per_currency(rex: Page) -> None:
    row = "#balances tr[data-currency='USD']"
    assert [cells(rex, row, col) for col in ("pending", "available", "paid")] == [
        ["58.00 USD"], ["10.00 USD"], ["15.00 USD"]]


def test_the_overview_lists_when_the_pending_money_becomes_available(rex: Page) -> None:
    rows = [r.split("\t") for r in rex.locator("#maturing tr.maturing-row").all_inner_texts()]
    assert [(day, currency, amount) for day, currency, amount in rows] == [
        ("2027-12-15", "USD", "30.00 USD"), ("2027-12-17", "USD", "20.00 USD"), ("2027-12-25", "USD", "8.00 USD")]


def _filter_statement(page: Page) -> None:
    page.locator("#from").fill("2026-11-01")
    page.locator("#to").fill("2026-11-30")
    with page.expect_navigation():
        page.locator("#statement button[type=submit]").click()


def test_the_statement_of_november_opens_and_closes_with_the_balances_of_those_days(rex_at: Opener) -> None:
    rex = rex_at("/portal/statement")
    _filter_statement(rex)
    balances = [[cells(rex, f"#{edge}", col)[0] for col in ("pending", "available", "paid")]
                for edge in ("opening", "closing")]
    assert balances == [["20.00 USD", "5.00 USD", "0.00 USD"], ["58.00 USD", "10.00 USD", "15.00 USD"]]


def test_the_statement_of_november_lists_its_lines_in_date_order(rex_at: Opener) -> None:
    rex = rex_at("/portal/statement")
    _filter_statement(rex)
    lines = rex.locator("#statement tr.statement-line")
    assert [text.split("\t")[:3] for text in lines.all_inner_texts()] == [
        ["2026-11-05", "maturation", "S-1"], ["2026-11-10", "sale", "S-2"], ["2026-11-11", "payout", "P-1"],
        ["2026-11-12", "sale (level 2)", "S-4"], ["2026-11-20", "sale", "S-3"]]


def _minor_units(money: str) -> int:
    """"1,234.56 USD" as 123456."""
    return int(re.sub(r"\D", "", money))


def _downloaded_statement(rex: Page) -> list[dict[str, str]]:
    """The rows of the CSV behind the statement page's link, once November is chosen."""
    _filter_statement(rex)
    with rex.expect_download() as download:
        rex.locator("#statement-csv").click()
    with open(download.value.path(), encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_statement_csv_link_downloads_the_lines_the_page_shows(rex_at: Opener) -> None:
    rex = rex_at("/portal/statement")
    rows = _downloaded_statement(rex)
    assert [r["record"] for r in rows] == ["opening", *["line"] * 5, "closing"]
    shown = [(date, about, _minor_units(owed)) for (date, _, about, *_), owed in zip(
        (text.split("\t") for text in rex.locator("#statement tr.statement-line").all_inner_texts()),
        cells(rex, "#statement tr.statement-line", "owed"), strict=True)]
    assert [(r["occurred_at"][:10], r["sale_id"] or r["detail"], int(r["owed"])) for r in rows[1:-1]] == shown


def test_the_statement_csv_closes_with_the_closing_balance_the_page_shows(rex_at: Opener) -> None:
    rex = rex_at("/portal/statement")
    closing = _downloaded_statement(rex)[-1]
    assert [int(closing[col]) for col in ("pending", "available", "paid")] == [
        _minor_units(cells(rex, "#closing", col)[0]) for col in ("pending", "available", "paid")]


def test_the_referrals_show_each_customers_name_email_product_and_the_declined_charge(rex_at: Opener) -> None:
    rex = rex_at("/portal/referrals")
    rows = "#referrals tr.referral-row"
    assert sorted(zip(cells(rex, rows, "customer"), cells(rex, rows, "email"), cells(rex, rows, "product"),
                      cells(rex, rows, "status"), strict=True)) == [
        ("Ada Lovelace", "ada@customers.example", "pro-plan", "completed"),
        ("Ada Lovelace", "ada@customers.example", "team-plan", "completed"),
        ("Alan Turing", "alan@customers.example", "pro-plan", "declined"),
        ("Grace Hopper", "grace@customers.example", "pro-plan", "completed")]


def test_the_downline_shows_each_recruit_and_what_they_earned_the_partner(rex_at: Opener) -> None:
    rex = rex_at("/portal/downline")
    rows = "#downline tr.recruit-row"
    assert [row.get_attribute("data-recruit") for row in rex.locator(rows).all()] == ["mia"]
    assert (cells(rex, rows, "level"), cells(rex, rows, "earned")) == (["2"], ["20.00 USD"])


def test_the_milestones_show_progress_bars_toward_each_threshold_with_the_bonus(rex_at: Opener) -> None:
    rex = rex_at("/portal/milestones")
    november = rex.locator("#milestones .milestone[data-milestone='big-month']").filter(has_text="2026-11")
    bar = november.locator("progress")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("38000", "100000")
    assert "50.00 USD" in november.inner_text() and "2026-11-30" in november.inner_text()


def test_an_achieved_milestone_shows_its_full_bar_and_the_day_it_was_achieved(rex_at: Opener) -> None:
    rex = rex_at("/portal/milestones")
    first_sale = rex.locator("#milestones .milestone[data-milestone='first-sale']")
    bar = first_sale.locator("progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    assert "2025-10-01" in first_sale.inner_text() and "5.00 USD" in first_sale.inner_text()


def test_the_leaderboard_highlights_the_partners_own_bar_and_row(rex_at: Opener) -> None:
    rex = rex_at("/portal/leaderboard")
    own = "#leaderboard tr.rank-row.me"
    assert (cells(rex, own, "rank"), cells(rex, own, "revenue")) == (["2"], ["580.00 USD"])
    assert rex.locator("#leaderboard svg .me").count() == 1


def test_the_leaderboard_of_a_program_hiding_names_shows_other_partners_by_rank_only(rex_at: Opener) -> None:
    rex = rex_at("/portal/leaderboard")
    board = rex.locator("#leaderboard").inner_text()
    assert "Partner #1" in board and "Partner #3" in board
    assert not {"Zoe", "Mia", "Kai", "zoe", "mia", "kai"} & set(re.findall(r"\w+", board))


def test_the_leaderboard_of_a_program_showing_names_names_every_partner(page: Page, sessions: Sessions,
                                                                       keys: dict[str, str]) -> None:
    sessions.open(page, keys["ivy"], "/portal/leaderboard")
    board = page.locator("#leaderboard tr.rank-row").all_inner_texts()
    assert "Otto" in board[0] and "Ivy" in board[1] and "Partner #" not in "".join(board)


def test_the_leaderboard_filtered_to_november_by_revenue_ranks_the_partner_third(rex_at: Opener) -> None:
    rex = rex_at("/portal/leaderboard?period=2026-11&by=revenue")
    ranks = rex.locator("#leaderboard tr.rank-row")
    assert ranks.count() == 4 and "380.00 USD" in ranks.nth(2).inner_text()
    assert "me" in (ranks.nth(2).get_attribute("class") or "")


@pytest.mark.parametrize("nav_id", NAV)
def test_each_nav_link_opens_a_page_with_a_main_a_labelled_nav_and_one_heading(rex: Page, base_url: str,
                                                                               nav_id: str) -> None:
    with rex.expect_navigation():
        rex.locator(f"#{nav_id}").click()
    assert rex.url == f"{base_url}{NAV[nav_id]}"
    assert rex.locator("main").count() == 1 and rex.locator("main h1").count() == 1
    assert rex.locator("nav[aria-label='Partner center']").count() == 1
    assert rex.locator("th:not([scope])").count() == 0


def test_a_signed_in_page_tells_the_browser_not_to_store_it(rex: Page, base_url: str) -> None:
    answer = rex.goto(f"{base_url}/portal/statement")
    assert answer is not None and "no-store" in answer.headers["cache-control"]


def test_a_wrong_key_shows_the_alert_and_stays_on_the_login(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "lk_not-a-key")
    expect(page.locator("#login-error[role='alert']")).to_be_visible()
    assert page.url == f"{base_url}/portal/login" and not page.context.cookies()


# Signing out ends the session for good, so these sign in through the form, not with the module's shared session.
def test_signing_out_returns_to_the_login(page: Page, base_url: str, keys: dict[str, str]) -> None:
    sign_in(page, base_url, keys["rex"])
    with page.expect_navigation():
        page.locator("#logout").click()
    assert page.url == f"{base_url}/portal/login" and page.locator("#login").count() == 1


def test_after_signing_out_a_portal_page_redirects_to_the_login(page: Page, base_url: str,
                                                                keys: dict[str, str]) -> None:
    sign_in(page, base_url, keys["rex"])
    with page.expect_navigation():
        page.locator("#logout").click()
    page.goto(f"{base_url}/portal/statement")
    assert page.url == f"{base_url}/portal/login"


@pytest.mark.parametrize("path", [*NAV.values(), "/portal/operator"])
def test_a_portal_page_without_a_session_redirects_to_the_login(page: Page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}{path}")
    assert page.url == f"{base_url}/portal/login"


def test_a_revoked_key_signs_its_partner_out_at_once(page: Page, base_url: str, ledger_url: str) -> None:
    with psycopg.connect(ledger_url, autocommit=True) as conn:
        key_id, key = create_key(conn, "rex")
        sign_in(page, base_url, key)
        revoke_key(conn, key_id)
    page.goto(f"{base_url}/portal/")
    assert page.url == f"{base_url}/portal/login"


def test_an_analyst_key_signs_in_to_the_operator_page(page: Page, base_url: str, keys: dict[str, str]) -> None:
    sign_in(page, base_url, keys["analyst"])
    assert page.url == f"{base_url}/portal/operator"
    assert all(page.locator(f"main section#{name}").is_visible()
               for name in ("programs", "top-partners", "dead-letters", "lag"))


def test_the_operator_page_lists_each_program_with_its_privacy_settings(analyst: Page) -> None:
    acme, guild = "tr.program-row[data-program='acme']", "tr.program-row[data-program='guild']"
    assert [cells(analyst, acme, col)[0] for col in SETTINGS] == ["full_name_email", "shown", "shown", "ranks only"]
    assert [cells(analyst, guild, col)[0] for col in SETTINGS] == ["none", "hidden", "hidden", "shown"]


def test_the_operator_page_ranks_the_top_partners_by_lifetime_revenue(analyst: Page) -> None:
    rows = analyst.locator("#top-partners tr.top-row")
    assert [row.get_attribute("data-partner") for row in rows.all()] == ["zoe", "otto", "rex", "mia", "ivy", "kai"]


def test_the_operator_page_counts_the_dead_letters_by_reason(analyst: Page) -> None:
    letters = analyst.locator("#dead-letters tr.letter-row")
    assert [(row.get_attribute("data-reason"), row.locator("[data-col=count]").inner_text()) for row in letters.all()] \
        == [("duplicate_id", "1")]


def test_the_operator_page_shows_the_ledger_head_and_no_projection_lag(analyst: Page) -> None:
    assert int(analyst.locator("#lag [data-col=head]").inner_text()) > 0
    assert set(cells(analyst, "#lag tr.lag-row", "lag")) == {"0"} and cells(analyst, "#lag", "max-lag") == ["0"]


def test_a_partner_session_is_refused_the_operator_page(rex: Page, base_url: str) -> None:
    answer = rex.goto(f"{base_url}/portal/operator")
    assert answer is not None and answer.status == 403


def test_an_analyst_session_on_a_partner_page_is_sent_to_the_operator_page(page: Page, sessions: Sessions,
                                                                          base_url: str, keys: dict[str, str]) -> None:
    sessions.open(page, keys["analyst"], "/portal/referrals")
    assert page.url == f"{base_url}/portal/operator"
