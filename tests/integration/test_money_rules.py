"""Every rule of money through the real broker and PostgreSQL, in one stream published twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import pytest

from tests.builders import at, declined, joined, payout, program, refund, sale
from tests.integration.harness import Harness, balances, wait_for

pytestmark = pytest.mark.integration

FIRST_SALE = {"id": "first-sale", "metric": "sales_count", "threshold": 1, "bonus": {"amount": 1_000, "currency": "USD"}}
TERMS = {"products": ["pro", "sub-plan", {"product_id": "flat-kit",
                                          "tiers": [{"level": 1, "flat": {"amount": 700, "currency": "USD"}}]}],
         "milestones": [FIRST_SALE], "notify_on_commission": True, "recurring": {"max_payments": 2},
         "min_payout": {"amount": 500, "currency": "USD"}}


def _renewal(sale_id: str, day: int) -> dict[str, Any]:
    return sale(sale_id, "b", 1_000, day=day, product_id="sub-plan") | {"subscription_id": "SUB-1"}


SETUP = [
    program("tiers3", ("0.10", "0.05", "0.02"), day=1, event_id="v1", **TERMS),
    program("tiers3", ("0.30", "0.05", "0.02"), day=10, event_id="v2", **TERMS),
    program("held", ("0.20",), day=1, event_id="held", hold_days=30),
    joined("a", program_id="tiers3"), joined("b", "a", program_id="tiers3"), joined("c", "b", program_id="tiers3"),
    joined("h", program_id="held"),
]
STREAM = [
    sale("S-1", "c", 10_000, day=2, product_id="pro"),
    sale("S-2", "c", 10_000, day=2, product_id="basic"),
    sale("S-3", "c", 5_000, day=3, product_id="flat-kit"),
    sale("S-4", "c", 10_000, day=12, product_id="pro"),
    refund("S-1", 10_000, day=14),
    _renewal("S-5", 3), _renewal("S-6", 4), _renewal("S-7", 5),
    sale("S-SELF", "a", 10_000, day=4, product_id="pro", email="a@partners.example"),
    sale("S-8", "b", 2_000, day=6, product_id="pro"), declined("b", "S-8", 2_000, day=7),
    sale("S-8", "b", 2_000, day=8, product_id="pro", event_id="S-8-retry"),
    sale("S-9", "h", 10_000, day=2),
    payout("a", 100, day=20, event_id="small-payout"), payout("c", 1_500, day=20),
]


@dataclass(frozen=True)
class Outcome:
    """Balances, notifications and dead letters once everything settled."""

    balances: dict[str, tuple[int, int, int, int, int]]
    notifications: list[Any]
    dead_letters: list[Any]


@pytest.fixture(scope="module")
def outcome(module_harness: Harness) -> Outcome:
    """The stream applied by a worker, published twice, with the hold period matured by its timer."""
    harness = module_harness
    first = harness.start_worker()
    harness.apply(SETUP)
    harness.publish(STREAM)
    harness.stop_worker(first, hard=True)  # a crash somewhere in the middle of the stream
    harness.start_worker()
    harness.apply(STREAM)
    url = harness.settings.database_url or ""
    wait_for(lambda: balances(url).get("h", (1,))[0] == 0, "the hold period to mature")
    harness.wait_until_applied(STREAM)
    return Outcome(balances(url), harness.read_topic(harness.settings.notifications_topic, 15),
                   harness.dead_letters(1))


def test_three_levels_flat_tiers_terms_at_event_time_and_refunds_per_original_terms(outcome: Outcome) -> None:
    assert outcome.balances["c"] == (0, 3_200, 1_500, 5_700, 1_000)


def test_recurring_cap_retry_after_decline_and_first_sale_bonus(outcome: Outcome) -> None:
    assert outcome.balances["b"] == (0, 1_900, 0, 2_600, 700)


def test_self_referral_earns_nothing_and_recruiters_earn_deeper_levels(outcome: Outcome) -> None:
    assert outcome.balances["a"] == (0, 400, 0, 700, 300)


def _lifetime_totals(harness: Harness, partner_id: str) -> tuple[int, int, int]:
    with psycopg.connect(harness.settings.database_url or "") as conn:
        row = conn.execute("SELECT sales, revenue, commission FROM projections.leaderboard "
                           "WHERE period_kind = 'lifetime' AND partner_id = %s AND currency = 'USD'",
                           (partner_id,)).fetchone()
    return row if row is not None else (0, 0, 0)


def test_a_self_referred_sale_counts_for_nothing_in_the_leaderboard(outcome: Outcome,
                                                                      module_harness: Harness) -> None:
    # a's only own sale is S-SELF; its 4.00 net commission is from b's and c's sales, at levels 2 and 3.
    assert _lifetime_totals(module_harness, "a") == (0, 0, 400)


def test_a_self_referred_sale_still_shows_in_the_partners_own_referrals(outcome: Outcome,
                                                                          module_harness: Harness) -> None:
    with psycopg.connect(module_harness.settings.database_url or "") as conn:
        rows = conn.execute("SELECT ref_id FROM projections.partner_referrals WHERE partner_id = 'a'").fetchall()
    assert rows == [("S-SELF",)]


def test_a_self_referred_sale_is_not_the_partners_last_sale_in_their_activity(outcome: Outcome,
                                                                             module_harness: Harness) -> None:
    with psycopg.connect(module_harness.settings.database_url or "") as conn:
        row = conn.execute("SELECT last_sale_at, inactive FROM projections.partner_activity "
                           "WHERE partner_id = 'a'").fetchone()
    assert row == (None, True)  # a's only own sale is S-SELF, their own purchase


def test_a_first_sale_bonus_is_achieved_at_the_sales_event_time(outcome: Outcome, module_harness: Harness) -> None:
    with psycopg.connect(module_harness.settings.database_url or "") as conn:
        rows = conn.execute("SELECT achieved_at FROM projections.milestone_progress "
                            "WHERE partner_id = 'c' AND milestone_id = 'first-sale'").fetchall()
    assert rows == [(datetime.fromisoformat(at(2)),)]  # S-1's time, not when the worker decided it


def test_held_commission_is_matured_by_the_worker_timer(outcome: Outcome) -> None:
    assert outcome.balances["h"] == (0, 2_000, 0, 2_000, 0)


def test_each_commission_is_notified_once_despite_duplicates(outcome: Outcome) -> None:
    ids = [dict(m.headers)["ledger.notification_id"] for m in outcome.notifications]
    assert len(ids) == 15 == len(set(ids))


def test_payout_below_the_program_minimum_is_dead_lettered(outcome: Outcome) -> None:
    letter = outcome.dead_letters[0]
    assert dict(letter.headers)["ledger.reason"] == b"below_min_payout"
