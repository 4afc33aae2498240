"""A payout is checked against the balance available on its own date, whatever order events arrive in."""

from __future__ import annotations

from typing import Any

from schemas import Reason
from tests.builders import joined, payout, program, refund, sale
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply, Balance


def test_a_refund_dated_after_a_payout_but_applied_first_does_not_refuse_it(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), refund("S-1", 10_000, day=30))
    result = apply(payout("rex", 1_500, day=20))
    assert not result.dead_letters and result.parked == 0
    assert (balance("rex", "available"), balance("rex", "paid")) == (-1_500, 1_500)


def test_a_refund_dated_before_a_payout_still_counts_against_it(apply: Apply) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), refund("S-1", 10_000, day=10))
    assert apply(payout("rex", 1_500, day=20)).parked == 1


def test_a_sale_dated_after_a_payout_does_not_fund_it(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), sale("S-2", "rex", 10_000, day=40))
    apply(payout("rex", 3_000, day=20))
    assert (balance("rex", "available"), balance("rex", "paid")) == (4_000, 0)


def test_a_waiting_payout_is_released_by_a_sale_dated_before_it(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 3_000, day=20))
    apply(sale("S-2", "rex", 10_000, day=15))
    assert (balance("rex", "available"), balance("rex", "paid")) == (1_000, 3_000)


def test_a_waiting_payout_is_not_released_by_a_sale_dated_after_it(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 3_000, day=20))
    apply(sale("S-2", "rex", 10_000, day=21))
    assert balance("rex", "paid") == 0


def test_a_payout_dated_before_another_already_made_counts_that_one_too(apply: Apply) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 1_500, day=20))
    result = apply(payout("rex", 1_000, day=10))
    assert [d.reason for d in result.dead_letters] == [Reason.OVER_PAYOUT]


def test_a_later_payout_does_not_spend_what_an_earlier_waiting_one_needs(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 3_000, day=10))
    apply(payout("rex", 1_500, day=12))
    apply(sale("S-2", "rex", 5_000, day=5))
    assert (balance("rex", "available"), balance("rex", "paid")) == (0, 3_000)


def test_payouts_held_back_apply_in_date_order_once_funded(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 3_000, day=10))
    apply(payout("rex", 1_000, day=12))
    apply(sale("S-2", "rex", 10_000, day=5))
    assert (balance("rex", "available"), balance("rex", "paid")) == (0, 4_000)


def test_a_payout_held_back_by_one_refused_after_the_grace_period_is_then_applied(
        apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 3_000, day=10, event_id="big"))
    apply(payout("rex", 1_500, day=12))
    result = apply(sale("S-2", "rex", 100, day=25))
    assert [(d.event_id, d.reason) for d in result.dead_letters] == [("big", Reason.OVER_PAYOUT)]
    assert balance("rex", "paid") == 1_500


def test_a_bonus_clawed_back_by_a_later_refund_still_funds_a_payout_dated_before_it(
        apply: Apply, balance: Balance) -> None:
    two_sales = {"id": "two", "metric": "sales_count", "threshold": 2, "period": "lifetime",
                 "bonus": {"amount": 1_000, "currency": "USD"}, "clawback": True}
    apply(program(milestones=[two_sales]), joined("rex"), sale("S-1", "rex", 10_000, day=2),
          sale("S-2", "rex", 10_000, day=4), refund("S-1", 10_000, day=20))
    apply(payout("rex", 5_000, day=10))
    assert balance("rex", "paid") == 5_000


def test_payouts_held_back_in_one_batch_all_apply_once_a_sale_funds_them(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), payout("rex", 1_000, day=4), payout("rex", 1_000, day=5),
          sale("S-1", "rex", 10_000, day=3))
    assert (balance("rex", "available"), balance("rex", "paid")) == (0, 2_000)


def test_a_credit_too_small_for_the_first_waiting_payout_reads_none_of_the_parked_payouts(
        ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 3_000, day=10))
    apply(payout("rex", 1_000, day=12))
    decided = len(ledger.store.log)
    apply(sale("S-2", "rex", 1_000, day=3))
    # Only the sale is decided: neither payout is tried, the first still cannot be funded.
    assert (len(ledger.store.log) - decided, balance("rex", "available"), balance("rex", "paid")) == (1, 2_200, 0)


def in_euros(event: dict[str, Any]) -> dict[str, Any]:
    """The same event with its money in euro cents."""
    return event | {"amount": {"amount": event["amount"]["amount"], "currency": "EUR"}}


def test_a_payout_in_one_currency_is_not_held_back_by_one_waiting_in_another(
        ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000, day=2), in_euros(sale("S-2", "rex", 10_000, day=2)))
    apply(payout("rex", 3_000, day=10))
    result = apply(in_euros(payout("rex", 1_000, day=12)))
    assert (result.parked, balance("rex", "paid"), ledger.balance("rex", "EUR", "paid")) == (0, 0, 1_000)


def test_a_milestone_bonus_releases_a_payout_waiting_for_funds(apply: Apply, balance: Balance) -> None:
    first_sale = {"id": "first", "metric": "sales_count", "threshold": 1, "period": "lifetime",
                  "bonus": {"amount": 5_000, "currency": "USD"}}
    apply(program(hold_days=30, milestones=[first_sale]), joined("rex"), payout("rex", 3_000, day=10))
    apply(sale("S-1", "rex", 10_000, day=5))
    assert (balance("rex", "available"), balance("rex", "paid")) == (2_000, 3_000)



def test_a_clawback_caused_by_a_refund_dated_before_the_bonus_is_dated_no_earlier_than_the_bonus(
        apply: Apply, balance: Balance) -> None:
    three_sales = {"id": "three", "metric": "sales_count", "threshold": 3, "period": "lifetime",
                   "bonus": {"amount": 1_000, "currency": "USD"}, "clawback": True}
    apply(program(milestones=[three_sales]), joined("rex"), sale("S-0", "rex", 10_000, day=1),
          sale("S-1", "rex", 10_000, day=2), sale("S-2", "rex", 10_000, day=10), refund("S-1", 10_000, day=5))
    apply(payout("rex", 2_000, day=7))
    assert (balance("rex", "available"), balance("rex", "paid")) == (2_000, 2_000)
