"""Events whose prerequisite has not arrived wait for it instead of failing."""

from __future__ import annotations

from collections.abc import Callable

from tests.builders import joined, program, refund, sale, two_tier_events
from tests.unit.conftest import Apply

Balance = Callable[..., int]


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
