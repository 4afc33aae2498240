"""The partner center's recruits, milestones, leaderboard and operator pages, each read from a decided ledger."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from projections.api import create_api
from tests.builders import joined, program, refund, sale, usd
from tests.integration.api_ledger import decided_ledger, keys_for
from tests.integration.portal_client import signed_in

pytestmark = pytest.mark.integration
MILESTONES = [{"id": "three-sales", "metric": "sales_count", "threshold": 3, "period": "month", "bonus": usd(1_000)},
              {"id": "first-sale", "metric": "sales_count", "threshold": 1, "bonus": usd(500)}]
# In `prog`, Susie recruited Rex; Annabel sold 300.00, Rex 100.00 (Susie earns 5.00 on it). `named` shows names.
EVENTS = [program(milestones=MILESTONES), program("named", show_leaderboard_names=True, notify=["payout_sent"], notify_email=True), program("other"),
          joined("susie"), joined("rex", recruited_by="susie"), joined("annabel"), joined("zebedee", program_id="other"),
          joined("nadia", program_id="named"), joined("norbert", program_id="named"),
          sale("S-1", "rex", 10_000, day=2), sale("S-2", "annabel", 30_000, day=3),
          sale("S-3", "zebedee", 90_000, day=3), sale("S-4", "nadia", 20_000, day=3), sale("S-5", "norbert", 10_000),
          refund("S-1", 99_999, day=4)]
PARTNERS = ("susie", "rex", "annabel", "nadia", "norbert")


@pytest.fixture(scope="module")
def ledger_url(postgres_admin_url: str) -> Iterator[str]:
    with decided_ledger(postgres_admin_url, EVENTS) as url:
        yield url


@pytest.fixture(scope="module")
def keys(ledger_url: str) -> dict[str, str]:
    return keys_for(ledger_url, PARTNERS)


@pytest.fixture
def client(ledger_url: str) -> Iterator[TestClient]:
    with TestClient(create_api(ledger_url)) as test_client:
        yield test_client


def _page(client: TestClient, key: str, path: str) -> str:
    answer = signed_in(client, key).get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


def _milestone(html: str, milestone: str) -> str:
    return html.split(f'data-milestone="{milestone}"', 1)[1].split("</div>", 1)[0]


def test_the_recruiter_sees_each_recruit_and_what_they_earned_her(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["susie"], "/portal/downline")
    rows = re.findall(r'<tr class="recruit-row" data-recruit="([^"]+)">.*?data-col="earned"[^>]*>([^<]*)<', html, re.S)
    assert rows == [("rex", "5.00 USD")]


def test_a_partner_who_recruited_nobody_has_no_recruit_rows(client: TestClient, keys: dict[str, str]) -> None:
    assert 'class="recruit-row"' not in _page(client, keys["rex"], "/portal/downline")


def test_a_milestone_shows_a_progress_bar_of_its_value_and_threshold(client: TestClient, keys: dict[str, str]) -> None:
    block = _milestone(_page(client, keys["rex"], "/portal/milestones"), "three-sales")
    assert re.search(r'<progress id="[^"]+" value="1" max="3">', block) and "1 of 3" in block


def test_a_monthly_milestone_shows_its_bonus_and_the_last_day_of_its_period(client: TestClient,
                                                                            keys: dict[str, str]) -> None:
    block = _milestone(_page(client, keys["rex"], "/portal/milestones"), "three-sales")
    assert 'data-col="bonus">10.00 USD<' in block and 'data-col="ends">2026-03-31<' in block


def test_an_achieved_milestone_shows_the_day_it_was_achieved(client: TestClient, keys: dict[str, str]) -> None:
    block = _milestone(_page(client, keys["rex"], "/portal/milestones"), "first-sale")
    assert 'data-col="achieved">2026-03-02<' in block


def test_the_leaderboard_ranks_only_the_partners_own_program(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["rex"], "/portal/leaderboard")
    assert html.count('class="rank-row') == 3 and "900.00 USD" not in html


def test_the_leaderboard_marks_the_partners_own_row_and_bar(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["rex"], "/portal/leaderboard")
    assert re.search(r'<tr class="rank-row me"[^>]*>\s*<td data-col="rank">2</td>', html)
    assert re.search(r'<g class="me"><text[^>]*>You \(Rex\)</text>', html)


def test_the_leaderboard_hides_other_partners_names_by_default(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["rex"], "/portal/leaderboard")
    assert "Partner #1" in html and "Annabel" not in html and "annabel" not in html and "Susie" not in html


def test_the_leaderboard_shows_names_when_the_program_says_so(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["norbert"], "/portal/leaderboard")
    assert "Nadia" in html and "Partner #1" not in html


def test_the_leaderboard_ranks_by_sales_when_asked(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["rex"], "/portal/leaderboard?by=sales&period=2026-03")
    assert re.search(r'<tr class="rank-row me"[^>]*>\s*<td data-col="rank">1</td>', html)


def test_the_leaderboard_refuses_a_period_that_names_no_period(client: TestClient, keys: dict[str, str]) -> None:
    answer = signed_in(client, keys["rex"]).get("/portal/leaderboard?period=March")
    assert answer.status_code == 422 and 'role="alert"' in answer.text


def test_the_operator_page_is_refused_to_a_partner_session(client: TestClient, keys: dict[str, str]) -> None:
    answer = signed_in(client, keys["rex"]).get("/portal/operator")
    assert answer.status_code == 403 and 'id="programs"' not in answer.text


def test_the_operator_page_lists_every_program_with_its_settings(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["analyst"], "/portal/operator")
    assert re.findall(r'data-program="([^"]+)"', html) == ["named", "other", "prog"]
    assert re.search(r'data-program="named">.*?data-col="show_leaderboard_names">shown<', html, re.S)


def test_the_operator_page_shows_what_each_program_notifies(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["analyst"], "/portal/operator")
    assert re.search(r'data-program="named">.*?data-col="notify">payout_sent \(and email\)<', html, re.S)
    assert re.search(r'data-program="prog">.*?data-col="notify">none<', html, re.S)


def test_the_operator_page_ranks_the_top_partners_by_lifetime_revenue(client: TestClient,
                                                                      keys: dict[str, str]) -> None:
    html = _page(client, keys["analyst"], "/portal/operator")
    assert re.findall(r'class="top-row" data-partner="([^"]+)"', html)[:3] == ["zebedee", "annabel", "nadia"]


def test_the_operator_page_counts_dead_letters_by_reason(client: TestClient, keys: dict[str, str]) -> None:
    html = _page(client, keys["analyst"], "/portal/operator")
    assert re.search(r'data-reason="over_refund">.*?data-col="count">1<', html, re.S)


def test_the_operator_page_shows_the_ledger_head_and_every_projection_caught_up(client: TestClient,
                                                                                keys: dict[str, str]) -> None:
    html = _page(client, keys["analyst"], "/portal/operator")
    assert 'data-col="max-lag">0<' in html and int(re.findall(r'data-col="head">(\d+)<', html)[0]) > 0
