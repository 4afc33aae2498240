"""Events whose prerequisite has not arrived wait for it instead of failing."""

from __future__ import annotations

from schemas import Reason
from tests.builders import (
    declined,
    inbound,
    joined,
    payout,
    program,
    refund,
    sale,
    two_tier_events,
)
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply, Balance


def test_refund_before_its_sale_is_parked(apply: Apply) -> None:
    result = apply(program(), joined("rex"), refund("S-1", 2_500))
    assert result.parked == 1 and not result.dead_letters


def test_parked_refund_applies_when_its_sale_arrives(apply: Apply, balance: Balance) -> None:
    apply(program(), joined("rex"), refund("S-1", 2_500))
    apply(sale("S-1", "rex", 10_000))
    assert balance("rex") == 1_500


def test_sale_before_its_partner_joined_applies_after_the_join(apply: Apply, balance: Balance) -> None:
    apply(program(), sale("S-1", "rex", 10_000))
    result = apply(joined("rex"))
    assert result.applied == 2 and balance("rex") == 2_000


def test_recruit_joining_before_recruiter_waits_so_level_two_is_paid(apply: Apply, balance: Balance) -> None:
    program_event, susie, rex, first_sale = two_tier_events()
    apply(program_event, rex, first_sale)
    apply(susie)
    assert (balance("rex"), balance("susie")) == (2_000, 500)


def test_everything_in_reverse_order_in_one_batch_gives_the_same_balances(apply: Apply, balance: Balance) -> None:
    apply(*reversed([*two_tier_events(), refund("S-1", 2_500)]))
    assert (balance("rex"), balance("susie")) == (1_500, 375)


def test_a_parked_event_delivered_again_is_a_duplicate(apply: Apply) -> None:
    early = refund("S-1", 100)
    apply(program(), joined("rex"), early)
    assert apply(early).duplicates == 1


def test_payout_published_before_the_sales_that_fund_it_applies_when_they_arrive(apply: Apply, balance: Balance) -> None:
    program_event, susie, rex, first_sale = two_tier_events()
    apply(program_event, susie, rex, payout("rex", 1_500, day=20))
    apply(first_sale)
    assert (balance("rex", "available"), balance("rex", "paid")) == (500, 1_500)


def test_payout_still_unfunded_after_the_grace_period_is_refused_as_over_payout(apply: Apply) -> None:
    apply(*two_tier_events(), payout("rex", 2_001, day=10))
    result = apply(sale("S-2", "susie", 100, day=18))
    assert [d.reason for d in result.dead_letters] == [Reason.OVER_PAYOUT]
    assert "grace period" in result.dead_letters[0].detail


def test_sale_whose_partner_never_joins_is_refused_after_the_grace_period(apply: Apply) -> None:
    apply(program(), sale("S-1", "ghost", 10_000, day=2))
    result = apply(program(day=10, tiers=("0.10",)))
    assert [d.reason for d in result.dead_letters] == [Reason.UNKNOWN_PARTNER]


def test_events_within_the_grace_period_keep_waiting(apply: Apply) -> None:
    apply(program(), sale("S-1", "ghost", 10_000, day=2))
    result = apply(program(day=8, tiers=("0.10",)))
    assert not result.dead_letters



def test_history_loaded_at_once_is_not_refused_before_it_has_waited_in_wall_clock_time() -> None:
    ledger = CoreLedger(min_wait_s=300)
    ledger.apply_batch([inbound(program()), inbound(sale("S-1", "rex", 10_000, day=2))])
    result = ledger.apply_batch([inbound(program(day=30, tiers=("0.10",)))])
    assert not result.dead_letters
    assert ledger.apply_batch([inbound(joined("rex"))]).applied == 2


def test_decline_whose_sale_never_arrives_is_recorded_after_the_grace_period(apply: Apply) -> None:
    apply(program(), joined("rex"), declined("rex", "S-404", 5_000, day=2))
    result = apply(program(day=20, tiers=("0.10",)))
    assert result.applied == 2 and not result.dead_letters


def test_a_term_version_arriving_after_a_sale_it_governs_corrects_that_sale(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10",), day=1), joined("rex"), sale("S-1", "rex", 10_000, day=5))
    apply(program(tiers=("0.30",), day=3))
    assert balance("rex") == 3_000


def test_a_correction_keeps_the_refunded_share_reversed(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10",), day=1), joined("rex"), sale("S-1", "rex", 10_000, day=5), refund("S-1", 2_500, day=6))
    apply(program(tiers=("0.30",), day=3))
    assert balance("rex") == 3_000 - 750


def test_sales_before_a_late_version_keep_their_terms(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.10",), day=1), joined("rex"), sale("S-1", "rex", 10_000, day=2))
    apply(program(tiers=("0.30",), day=3))
    assert balance("rex") == 1_000


def test_a_late_version_reaches_recruiters_too(apply: Apply, balance: Balance) -> None:
    program_event, susie, rex, first_sale = two_tier_events()
    apply(program_event, susie, rex, first_sale | {"occurred_at": "2026-03-05T00:00:00Z"})
    apply(program(tiers=("0.20", "0.10"), day=3))
    assert (balance("rex"), balance("susie")) == (2_000, 1_000)


def _renewal(sale_id: str, day: int) -> dict[str, object]:
    return sale(sale_id, "rex", 1_000, day=day) | {"subscription_id": "SUB"}


def test_a_late_version_lifting_the_recurring_cap_lets_capped_renewals_earn(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.20",), day=1, recurring={"max_payments": 1}), joined("rex"), _renewal("P1", 5),
          _renewal("P2", 6))
    apply(program(tiers=("0.20",), day=3))
    assert balance("rex") == 400


def test_a_late_version_adding_a_recurring_cap_stops_the_later_renewals(apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.20",), day=1), joined("rex"), _renewal("P1", 5), _renewal("P2", 6))
    apply(program(tiers=("0.20",), day=3, recurring={"max_payments": 1}))
    assert balance("rex") == 200


def test_a_late_program_change_moves_the_sales_after_it_to_the_new_program(apply: Apply, balance: Balance) -> None:
    moved = {"event_id": "move", "type": "partner.program_changed", "occurred_at": "2026-03-03T00:00:00+00:00",
             "partner_id": "rex", "program_id": "gold"}
    apply(program("basic", ("0.10",)), program("gold", ("0.30",)), joined("rex", program_id="basic"),
          sale("S-1", "rex", 10_000, day=2), sale("S-2", "rex", 10_000, day=5))
    apply(moved)
    assert balance("rex") == 1_000 + 3_000


def test_a_program_change_to_an_unknown_program_waits_for_it(apply: Apply) -> None:
    moved = {"event_id": "move", "type": "partner.program_changed", "occurred_at": "2026-03-03T00:00:00+00:00",
             "partner_id": "rex", "program_id": "later"}
    assert apply(program(), joined("rex"), moved).parked == 1


def test_a_payout_still_unfunded_keeps_waiting_since_it_was_first_parked(ledger: CoreLedger, apply: Apply) -> None:
    apply(*two_tier_events(), payout("rex", 5_000, day=10))
    first = ledger.oldest_parked_wall_us()
    apply(sale("S-2", "rex", 10_000, day=11))
    assert ledger.oldest_parked_wall_us() == first is not None


def test_a_payout_applies_once_sales_dated_before_it_fund_it_in_full(apply: Apply, balance: Balance) -> None:
    apply(*two_tier_events(), payout("rex", 5_000, day=10))
    apply(sale("S-2", "rex", 10_000, day=8))
    apply(sale("S-3", "rex", 5_000, day=9))
    assert (balance("rex", "available"), balance("rex", "paid")) == (0, 5_000)


def _flat_program() -> dict[str, object]:
    return program(tiers=()) | {"tiers": [{"level": 1, "flat": {"amount": 700, "currency": "USD"}}]}


def _refund_at(refund_id: str, amount: int, when: str) -> dict[str, object]:
    return refund("S1", amount, event_id=refund_id, refund_id=refund_id) | {"occurred_at": when}


def test_refunds_parked_earlier_apply_before_a_later_refund_that_arrives_with_their_sale(
        apply: Apply, balance: Balance) -> None:
    apply(_flat_program(), joined("a"))
    apply(_refund_at("R1", 100, "2026-03-10T00:00:00+00:00"), _refund_at("R2", 1_117, "2026-03-10T01:00:00+00:00"))
    result = apply(sale("S1", "a", 1_250) | {"occurred_at": "2026-03-05T00:00:00+00:00"},
                   _refund_at("R3", 539, "2026-03-10T05:00:00+00:00"))
    assert [(d.event_id, d.reason) for d in result.dead_letters] == [("R3", Reason.OVER_REFUND)]
    assert balance("a") == 18


def test_where_batches_fall_does_not_change_which_refund_is_refused(apply: Apply, balance: Balance) -> None:
    apply(_flat_program(), joined("a"))
    apply(_refund_at("R1", 100, "2026-03-10T00:00:00+00:00"))
    apply(_refund_at("R2", 1_117, "2026-03-10T01:00:00+00:00"))
    apply(sale("S1", "a", 1_250) | {"occurred_at": "2026-03-05T00:00:00+00:00"})
    result = apply(_refund_at("R3", 539, "2026-03-10T05:00:00+00:00"))
    assert [d.reason for d in result.dead_letters] == [Reason.OVER_REFUND] and balance("a") == 18


def test_refunds_released_by_a_released_sale_apply_before_the_batchs_later_refund(
        apply: Apply, balance: Balance) -> None:
    apply(program(tiers=("0.20",)), sale("S", "rex", 10_000, day=2))  # rex has not joined: the sale waits
    apply(refund("S", 6_000, day=3, event_id="r1"))  # waits for the sale
    result = apply(joined("rex"), refund("S", 6_000, day=5, event_id="r2"))
    assert [(d.event_id, d.reason) for d in result.dead_letters] == [("r2", Reason.OVER_REFUND)]
