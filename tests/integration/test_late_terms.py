"""Term versions and program changes that arrive after the sales they govern."""

from __future__ import annotations

import json

import pytest

from tests.builders import declined, joined, payout, program, refund, sale
from tests.integration.harness import Harness, balances, wait_for

pytestmark = pytest.mark.integration


def test_a_late_term_version_corrects_the_sales_it_governs_by_new_transactions(harness: Harness) -> None:
    first = [program(tiers=("0.10",), day=1), joined("rex"), sale("S-1", "rex", 10_000, day=5),
             refund("S-1", 2_500, day=6)]
    late = [program(tiers=("0.30",), day=3)]
    harness.start_worker()
    harness.apply(first)
    harness.apply(late)
    pending, available, paid, earned, reversed_ = balances(harness.settings.database_url or "")["rex"]
    assert available == 3_000 - 750
    assert (earned, reversed_) == (1_000 + 3_000, 250 + 750 + 750)


def test_a_partner_moved_to_another_program_earns_under_it_from_then_on(harness: Harness) -> None:
    events = [program("basic", ("0.10",), day=1), program("gold", ("0.25",), day=1), joined("rex", program_id="basic"),
              sale("S-1", "rex", 10_000, day=2),
              {"event_id": "move", "type": "partner.program_changed", "occurred_at": "2026-03-03T00:00:00+00:00",
               "partner_id": "rex", "program_id": "gold"},
              sale("S-2", "rex", 10_000, day=4)]
    harness.start_worker()
    harness.apply(events)
    assert balances(harness.settings.database_url or "")["rex"][1] == 1_000 + 2_500


def test_status_shows_what_is_parked_and_since_when(harness: Harness) -> None:
    early = [program(), joined("rex"), refund("S-404", 100, day=2)]
    harness.start_worker()
    harness.publish(early)
    harness.wait_until_applied(early[:2])

    def parked() -> dict[str, object] | None:
        status = json.loads(harness.ledger("status", "--json").stdout)
        return status if status["parked"] == 1 else None
    status = wait_for(parked, "the early refund to be parked")
    assert status["oldest_parked_at"] is not None


def test_a_payout_published_before_the_sales_that_fund_it_waits_and_is_then_applied(harness: Harness) -> None:
    setup = [program(tiers=("0.20",)), joined("rex")]
    early_payout = [payout("rex", 3_000, day=10)]
    funding = [sale("S-1", "rex", 10_000, day=2), sale("S-2", "rex", 10_000, day=3)]
    harness.start_worker()
    harness.publish(setup + early_payout)
    harness.wait_until_applied(setup)
    harness.publish(funding)
    harness.wait_until_applied(funding + early_payout)
    assert balances(harness.settings.database_url or "")["rex"][1:3] == (1_000, 3_000)


def test_a_clawed_back_bonus_is_awarded_again_when_the_threshold_is_crossed_again(harness: Harness) -> None:
    two = {"id": "two", "metric": "sales_count", "threshold": 2, "clawback": True,
           "bonus": {"amount": 1_000, "currency": "USD"}}
    events = [program(tiers=("0.20",), milestones=[two]), joined("rex"), sale("S-1", "rex", 10_000, day=2),
              sale("S-2", "rex", 10_000, day=3), declined("rex", "S-2", 10_000, day=4),
              sale("S-3", "rex", 10_000, day=5)]
    harness.start_worker()
    harness.apply(events)
    pending, available, paid, earned, reversed_ = balances(harness.settings.database_url or "")["rex"]
    assert available == 2_000 + 2_000 + 1_000
