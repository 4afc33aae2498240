"""Hold periods, milestone bonuses, recurring caps and notifications, decided in memory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.builders import declined, joined, payout, program, refund, sale
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply, Balance, notified

LATER = datetime(2026, 6, 1, tzinfo=UTC)
FIRST_SALE = {"id": "first", "metric": "sales_count", "threshold": 1, "bonus": {"amount": 1_000, "currency": "USD"}}
TWO_SALES = FIRST_SALE | {"id": "two", "threshold": 2, "clawback": True}


def _subscription(event: dict[str, Any], subscription_id: str = "SUB-1") -> dict[str, Any]:
    return event | {"subscription_id": subscription_id}


def test_commission_matures_to_available_after_the_hold(ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30), joined("rex"), sale("S-1", "rex", 10_000, day=2))
    assert ledger.mature_due(LATER) == 1
    assert (balance("rex", "pending"), balance("rex", "available")) == (0, 2_000)


def test_maturation_before_the_due_date_changes_nothing(ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30), joined("rex"), sale("S-1", "rex", 10_000, day=2))
    assert ledger.mature_due(datetime(2026, 3, 10, tzinfo=UTC)) == 0
    assert balance("rex", "pending") == 2_000


def test_maturing_twice_moves_the_money_once(ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30), joined("rex"), sale("S-1", "rex", 10_000, day=2))
    ledger.mature_due(LATER)
    assert ledger.mature_due(LATER) == 0
    assert balance("rex", "available") == 2_000


def test_refund_inside_the_hold_takes_from_pending(apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30), joined("rex"), sale("S-1", "rex", 10_000), refund("S-1", 5_000))
    assert (balance("rex", "pending"), balance("rex", "available")) == (1_000, 0)


def test_refund_after_maturity_takes_from_available_which_may_go_negative(
        ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30, min_payout=None), joined("rex"), sale("S-1", "rex", 10_000, day=2))
    ledger.mature_due(LATER)
    apply(payout("rex", 2_000, day=33), refund("S-1", 10_000, day=34))
    assert (balance("rex", "available"), balance("rex", "paid")) == (-2_000, 2_000)


def test_a_payout_waiting_for_funds_is_applied_when_commission_matures(
        ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30), joined("rex"), sale("S-1", "rex", 10_000, day=2), payout("rex", 1_500, day=33))
    ledger.mature_due(LATER)
    assert (balance("rex", "available"), balance("rex", "paid")) == (500, 1_500)


def test_first_sale_bonus_is_awarded_once(apply: Apply, balance: Balance) -> None:
    apply(program(milestones=[FIRST_SALE]), joined("rex"), sale("S-1", "rex", 10_000), sale("S-2", "rex", 10_000))
    assert balance("rex") == 2_000 + 2_000 + 1_000


def test_bonus_without_clawback_stays_after_a_full_refund(apply: Apply, balance: Balance) -> None:
    apply(program(milestones=[FIRST_SALE]), joined("rex"), sale("S-1", "rex", 10_000), refund("S-1", 10_000))
    assert balance("rex") == 1_000


def test_clawback_reverses_the_bonus_when_refunds_drop_below_the_threshold(apply: Apply, balance: Balance) -> None:
    apply(program(milestones=[TWO_SALES]), joined("rex"), sale("S-1", "rex", 10_000), sale("S-2", "rex", 10_000),
          refund("S-2", 10_000))
    assert balance("rex") == 2_000


def test_crossing_again_after_a_clawback_nets_one_bonus(apply: Apply, balance: Balance) -> None:
    apply(program(milestones=[TWO_SALES]), joined("rex"), sale("S-1", "rex", 10_000), sale("S-2", "rex", 10_000),
          declined("rex", "S-2", 10_000), sale("S-3", "rex", 10_000))
    assert balance("rex") == 2_000 + 2_000 + 1_000


def test_monthly_milestones_count_each_month_separately(apply: Apply, balance: Balance) -> None:
    monthly = TWO_SALES | {"period": "month", "clawback": False}
    march, april = sale("S-1", "rex", 10_000, day=30), sale("S-2", "rex", 10_000) | {"occurred_at": "2026-04-02T00:00:00Z"}
    apply(program(milestones=[monthly]), joined("rex"), march, april)
    assert balance("rex") == 4_000


def test_revenue_milestone_counts_net_revenue(apply: Apply, balance: Balance) -> None:
    revenue = FIRST_SALE | {"metric": "revenue", "threshold": 15_000, "clawback": True}
    apply(program(milestones=[revenue]), joined("rex"), sale("S-1", "rex", 10_000), sale("S-2", "rex", 10_000),
          refund("S-2", 6_000))
    assert balance("rex") == 2_000 + 800


def test_self_referral_does_not_count_toward_milestones(apply: Apply, balance: Balance) -> None:
    apply(program(milestones=[FIRST_SALE]), joined("rex"), sale("S-1", "rex", 10_000, email="rex@partners.example"))
    assert balance("rex") == 0


def test_renewals_earn_until_the_payment_cap(apply: Apply, balance: Balance) -> None:
    apply(program(recurring={"max_payments": 2}), joined("rex"),
          *[_subscription(sale(f"S-{n}", "rex", 1_000, day=n)) for n in (2, 3, 4)])
    assert balance("rex") == 400


def test_renewals_earn_until_the_month_cap(apply: Apply, balance: Balance) -> None:
    renewals = [_subscription(sale(f"S-{m}", "rex", 1_000)) | {"occurred_at": f"2026-0{m}-02T00:00:00Z"}
                for m in (3, 4, 5, 6)]
    apply(program(recurring={"max_months": 2}), joined("rex"), *renewals)
    assert balance("rex") == 400


def test_each_earned_commission_notifies_once(ledger: CoreLedger, apply: Apply) -> None:
    events = [program(notify_on_commission=True), joined("susie"), joined("rex", "susie"), sale("S-1", "rex", 10_000)]
    apply(*events)
    apply(*events)
    assert notified(ledger) == [("rex", 1, 2_000), ("susie", 2, 500)]


def test_programs_without_notifications_send_none(ledger: CoreLedger, apply: Apply) -> None:
    apply(program(), joined("rex"), sale("S-1", "rex", 10_000))
    assert notified(ledger) == []


def test_a_retried_renewal_keeps_its_slot_under_the_cap(apply: Apply, balance: Balance) -> None:
    apply(program(recurring={"max_payments": 1}), joined("rex"), _subscription(sale("P1", "rex", 1_000, day=2)),
          declined("rex", "P1", 1_000, day=3), _subscription(sale("P1", "rex", 1_000, day=4)))
    assert balance("rex") == 200


def test_a_declined_renewal_gives_its_slot_back(apply: Apply, balance: Balance) -> None:
    apply(program(recurring={"max_payments": 2}), joined("rex"), _subscription(sale("P1", "rex", 1_000, day=2)),
          declined("rex", "P1", 1_000, day=3), _subscription(sale("P2", "rex", 1_000, day=4)),
          _subscription(sale("P3", "rex", 1_000, day=5)))
    assert balance("rex") == 400


def test_clawback_takes_back_exactly_the_bonus_that_was_awarded(apply: Apply, balance: Balance) -> None:
    small, big = TWO_SALES | {"bonus": {"amount": 5_000, "currency": "USD"}}, TWO_SALES | {
        "bonus": {"amount": 10_000, "currency": "USD"}}
    apply(program(tiers=("0.01",), milestones=[small], day=1), program(tiers=("0.01",), milestones=[big], day=10),
          joined("rex"), sale("S-1", "rex", 10_000, day=5), sale("S-2", "rex", 10_000, day=11),
          refund("S-1", 10_000, day=12))
    assert balance("rex") == 100


def test_the_threshold_in_effect_decides_the_award(apply: Apply, balance: Balance) -> None:
    three = TWO_SALES | {"threshold": 3, "clawback": False}
    apply(program(tiers=("0.01",), milestones=[three], day=1), joined("rex"), sale("S-1", "rex", 10_000, day=5))
    apply(program(tiers=("0.01",), milestones=[TWO_SALES | {"clawback": False}], day=8),
          sale("S-2", "rex", 10_000, day=11))
    assert balance("rex") == 200 + 1_000


def test_a_refused_late_version_changes_nothing(ledger: CoreLedger, apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10",), day=1), joined("rex"), sale("S-1", "rex", 10_000, day=5))
    flat_in_euros = program(day=3) | {"tiers": [{"level": 1, "flat": {"amount": 500, "currency": "EUR"}}]}
    result = apply(flat_in_euros, refund("S-1", 10_000, day=6))
    assert [d.reason.value for d in result.dead_letters] == ["currency_mismatch"]
    assert balance("rex") == 0


def test_a_correction_notifies_the_corrected_commission(ledger: CoreLedger, apply: Apply) -> None:
    apply(program(tiers=("0.10",), notify_on_commission=True), joined("rex"), sale("S-1", "rex", 10_000, day=5))
    apply(program(tiers=("0.30",), day=3, notify_on_commission=True))
    amounts = [amount for _, _, amount in notified(ledger)]
    assert amounts == [1_000, 3_000]
