"""Commission rules of the ledger, decided in memory."""

from __future__ import annotations

from schemas import Reason
from tests.builders import (
    declined,
    joined,
    payout,
    program,
    refund,
    sale,
    two_tier_events,
)
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply, Balance


def test_seller_earns_level_one_and_recruiter_level_two(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events())
    assert (balance("rex"), balance("susie")) == (2_000, 500)


def test_one_tier_program_pays_only_the_seller(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10",)), joined("susie"), joined("rex", "susie"), sale("S-1", "rex", 10_000))
    assert (balance("rex"), balance("susie")) == (1_000, 0)


def test_levels_stop_where_the_chain_ends(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10", "0.05", "0.02")), joined("rex"), sale("S-1", "rex", 10_000))
    assert balance("rex") == 1_000


def test_three_levels_pay_three_partners_up_the_chain(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10", "0.05", "0.02")), joined("a"), joined("b", "a"), joined("c", "b"),
          sale("S-1", "c", 10_000))
    assert (balance("c"), balance("b"), balance("a")) == (1_000, 500, 200)


def test_partial_refund_reverses_each_line_proportionally(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), refund("S-1", 2_500))
    assert (balance("rex"), balance("susie")) == (1_500, 375)


def test_full_refund_nets_every_line_to_zero(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), refund("S-1", 3_333), refund("S-1", 3_333), refund("S-1", 3_334))
    assert (balance("rex"), balance("susie")) == (0, 0)


def test_refund_above_the_sale_amount_is_rejected(apply: Apply, balance: Balance) -> None:
    result = apply(*two_tier_events(), refund("S-1", 6_000), refund("S-1", 6_000))
    assert [d.reason for d in result.dead_letters] == [Reason.OVER_REFUND]
    assert balance("rex") == 800


def test_refund_in_another_currency_is_rejected(apply: Apply) -> None:
    eur = refund("S-1", 100) | {"amount": {"amount": 100, "currency": "EUR"}}
    result = apply(*two_tier_events(), eur)
    assert [d.reason for d in result.dead_letters] == [Reason.CURRENCY_MISMATCH]


def test_decline_of_a_recorded_sale_reverses_it_in_full(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), refund("S-1", 1_000), declined("rex", "S-1", 10_000))
    assert (balance("rex"), balance("susie")) == (0, 0)


def test_decline_without_a_sale_earns_nothing_and_is_recorded(apply: Apply, balance: Balance) -> None:
    result = apply(*two_tier_events(), declined("rex", None, 5_000))
    assert result.applied == 5 and not result.dead_letters
    assert balance("rex") == 2_000


def test_retried_charge_after_decline_earns_again_once(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), declined("rex", "S-1", 10_000), sale("S-1", "rex", 10_000, day=5))
    assert (balance("rex"), balance("susie")) == (2_000, 500)


def test_second_sale_with_the_same_sale_id_waits_for_a_decline(apply: Apply, balance: Balance) -> None:
    result = apply(*two_tier_events(), sale("S-1", "rex", 10_000))
    assert result.parked == 1 and balance("rex") == 2_000


def test_retry_arriving_before_its_decline_earns_once_the_decline_arrives(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), sale("S-1", "rex", 10_000, day=5))
    apply(declined("rex", "S-1", 10_000, day=4))
    assert (balance("rex"), balance("susie")) == (2_000, 500)


def test_second_sale_with_the_same_sale_id_is_refused_after_the_grace_period(apply: Apply) -> None:
    apply(*two_tier_events(), sale("S-1", "rex", 10_000, day=3))
    result = apply(program(day=20, tiers=("0.10",)))
    assert [d.reason for d in result.dead_letters] == [Reason.DUPLICATE_SALE]


def test_the_same_event_twice_is_applied_once(apply: Apply, balance: Balance) -> None:
    events = two_tier_events()
    result = apply(*events, events[-1])
    assert result.duplicates == 1 and balance("rex") == 2_000


def test_a_redelivered_batch_changes_nothing(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events())
    result = apply(*two_tier_events())
    assert (result.applied, result.duplicates) == (0, 4)
    assert balance("rex") == 2_000


def test_self_referral_earns_nothing(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events()[:3], sale("S-1", "rex", 10_000, email="REX@partners.example"))
    assert (balance("rex"), balance("susie")) == (0, 0)


def test_payout_moves_available_to_paid(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), payout("rex", 1_500))
    assert (balance("rex", "available"), balance("rex", "paid")) == (500, 1_500)


def test_payout_above_available_waits_for_commission_still_in_flight(apply: Apply, balance: Balance) -> None:
    result = apply(*two_tier_events(), payout("rex", 2_001))
    assert result.parked == 1 and not result.dead_letters
    assert balance("rex", "paid") == 0


def test_hold_days_keep_commission_pending(apply: Apply, balance: Balance) -> None:
    apply(program(hold_days=30), joined("rex"), sale("S-1", "rex", 10_000))
    assert (balance("rex", "pending"), balance("rex", "available")) == (2_000, 0)


def test_ineligible_product_earns_nothing(apply: Apply, balance: Balance) -> None:
    apply(program(products=["pro"]), joined("rex"), sale("S-1", "rex", 10_000, product_id="basic"))
    assert balance("rex") == 0


def test_product_override_rates_replace_program_rates(apply: Apply, balance: Balance) -> None:
    rule = {"product_id": "pro", "tiers": [{"level": 1, "rate": "0.50"}]}
    apply(program(products=[rule]), joined("rex"), sale("S-1", "rex", 10_000, product_id="pro"))
    assert balance("rex") == 5_000


def test_flat_tier_pays_a_fixed_amount(apply: Apply, balance: Balance) -> None:
    flat = program() | {"tiers": [{"level": 1, "flat": {"amount": 700, "currency": "USD"}}]}
    apply(flat, joined("rex"), sale("S-1", "rex", 10_000))
    assert balance("rex") == 700


def test_self_recruitment_is_rejected(apply: Apply) -> None:
    result = apply(program(), joined("rex", "rex"))
    assert [d.reason for d in result.dead_letters] == [Reason.SELF_RECRUITMENT]


def test_joining_twice_is_rejected(apply: Apply) -> None:
    result = apply(program(), joined("rex"), joined("rex"))
    assert [d.reason for d in result.dead_letters] == [Reason.PARTNER_ALREADY_JOINED]


def test_sale_under_terms_in_effect_at_its_time(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10",), day=1), program(tiers=("0.30",), day=10), joined("rex"),
          sale("S-1", "rex", 10_000, day=5), sale("S-2", "rex", 10_000, day=15))
    assert balance("rex") == 1_000 + 3_000


def test_a_message_the_ledger_cannot_process_is_dead_lettered_once(ledger: CoreLedger) -> None:
    from tests.builders import inbound

    item = inbound(sale("S-1", "rex", 100))
    ledger.refuse(item, Reason.PROCESSING_ERROR, "boom")
    assert ledger.apply_batch([item]).duplicates == 1
    assert len(ledger.store.dead_letters) == 1
