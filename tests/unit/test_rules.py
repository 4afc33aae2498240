"""The pure rules of money, with plain values: no ledger, no state, no I/O."""

from __future__ import annotations

import pytest

from ledger.rules import corrections, declines, milestones, recurring, refunds
from ledger.rules.guards import is_self_referral, recruitment_refusal
from ledger.rules.money import commission, divide_half_even, rate_of
from ledger.rules.payouts import AvailableHistory, available_as_of, payout_refusal
from ledger.rules.periods import add_months, micros, period_key
from ledger.rules.postings import (
    Posting,
    UnbalancedError,
    account_balances,
    check_balanced,
)
from ledger.rules.terms import MilestoneRule, TierRule
from ledger.rules.tiers import FlatCurrencyError, chain, lines_for
from schemas.reasons import Reason
from tests.builders import MARCH

RECRUITER = {"c": "b", "b": "a", "a": None}
DAY = 86_400_000_000


def test_a_rate_is_read_as_an_exact_ratio() -> None:
    assert (rate_of("0.20"), rate_of("1"), rate_of("0.0525")) == ((20, 100), (1, 1), (525, 10_000))


@pytest.mark.parametrize(("amount", "rate", "expected"), [(1_250, "0.05", 62), (1_270, "0.05", 64),
                                                          (4_999, "0.05", 250), (4_999, "0.20", 1_000)])
def test_commission_rounds_half_even_per_line(amount: int, rate: str, expected: int) -> None:
    assert commission(amount, rate_of(rate)) == expected


def test_half_even_refuses_a_negative_numerator() -> None:
    with pytest.raises(ValueError, match="numerator"):
        divide_half_even(-1, 2)


def test_the_chain_stops_at_its_top_and_never_pays_one_partner_twice() -> None:
    assert chain("c", RECRUITER.get, 5) == ["c", "b", "a"]
    assert chain("x", {"x": "y", "y": "x"}.get, 5) == ["x", "y"]


def test_each_level_of_the_chain_earns_its_tier() -> None:
    tiers = (TierRule(1, (10, 100), None), TierRule(2, (5, 100), None), TierRule(3, None, (300, "USD")))
    lines = lines_for(tiers, "c", RECRUITER.get, 10_000, "USD", "available")
    assert [(partner, level, amount) for partner, level, amount, _ in lines] == [("c", 1, 1_000), ("b", 2, 500), ("a", 3, 300)]


def test_a_flat_tier_in_another_currency_cannot_pay() -> None:
    with pytest.raises(FlatCurrencyError):
        lines_for((TierRule(1, None, (300, "EUR")),), "c", RECRUITER.get, 10_000, "USD", "available")


def test_refunds_reverse_by_the_cumulative_share_and_the_last_one_takes_what_is_left() -> None:
    assert refunds.refund_reversals([(2_000, 0)], 3_333, 10_000) == [667]
    assert refunds.refund_reversals([(2_000, 667)], 6_666, 10_000) == [666]
    assert refunds.refund_reversals([(2_000, 1_333)], 10_000, 10_000) == [667]


def test_a_refund_beyond_the_sale_is_refused() -> None:
    refusal = refunds.refund_refusal(sale_id="S", sale_amount=100, sale_currency="USD", refunded=60, declined=False,
                                     refund_ids=set(), refund_id="R2", amount=50, currency="USD")
    assert refusal is not None and refusal[0] is Reason.OVER_REFUND


def test_a_decline_takes_back_what_each_line_still_holds() -> None:
    assert declines.decline_reversals([(2_000, 500), (500, 0)]) == [1_500, 500]
    assert declines.taken_back(10_000, 2_500) == (1, 7_500)


def test_a_bonus_is_awarded_on_crossing_and_clawed_back_only_when_it_allows() -> None:
    assert milestones.settle(2, 2, awarded=False, claw_backable=False) == "award"
    assert milestones.settle(1, 2, awarded=True, claw_backable=True) == "clawback"
    assert milestones.settle(1, 2, awarded=True, claw_backable=False) is None


def test_revenue_counts_only_in_the_bonus_currency() -> None:
    rule = MilestoneRule("m", "revenue", 100, "month", 500, "USD", False)
    assert (milestones.delta(rule, 1, 700, "USD"), milestones.delta(rule, 1, 700, "EUR")) == (700, 0)


def test_a_clawback_is_never_dated_before_its_bonus() -> None:
    assert milestones.clawback_at(cause_us=5, awarded_us=10) == 10


def test_the_payment_cap_counts_earning_payments_of_the_subscription() -> None:
    earning = {"P1": 1, "P2": 2}
    assert recurring.cap_note(max_payments=2, max_months=None, first_us=1, earning=earning, sale_id="P3",
                              at_us=3) == "recurring cap of 2 payments reached"
    assert recurring.cap_note(max_payments=2, max_months=None, first_us=1, earning=earning, sale_id="P2", at_us=2) is None


def test_the_month_cap_counts_from_the_first_payment() -> None:
    first = micros(MARCH)
    assert recurring.cap_note(max_payments=None, max_months=2, first_us=first, earning={}, sale_id="P",
                              at_us=add_months(first, 2)) == "recurring cap of 2 months reached"


def test_periods_are_utc_months_and_quarters() -> None:
    at = micros(MARCH)
    assert (period_key("month", at), period_key("quarter", at), period_key("lifetime", at)) == (
        "2026-03", "2026-Q1", "lifetime")


def test_available_as_of_leaves_out_moves_dated_after_it() -> None:
    history = AvailableHistory()
    history.record(10 * DAY, 2_000)
    history.record(20 * DAY, -500)
    assert (available_as_of(1_500, history, 15 * DAY), available_as_of(1_500, history, 25 * DAY)) == (2_000, 1_500)


def test_a_payout_below_the_minimum_in_its_currency_is_refused() -> None:
    refusal = payout_refusal(payout_ids=set(), payout_id="P", amount=100, currency="USD", min_payout=(500, "USD"))
    assert refusal is not None and refusal[0] is Reason.BELOW_MIN_PAYOUT
    assert payout_refusal(payout_ids=set(), payout_id="P", amount=100, currency="EUR", min_payout=(500, "USD")) is None


def test_a_correction_gives_new_lines_their_share_of_the_refunds_so_far() -> None:
    assert corrections.refunded_share([3_000, 500], 2_500, 10_000) == [750, 125]
    assert corrections.needs_correction(declined=False, sale_program="p", sale_terms="v1", program_id="p",
                                        terms_event_id="v2")


def test_self_referral_compares_emails_without_case() -> None:
    from ledger.rules.guards import email_digest
    assert is_self_referral(email_digest("Rex@Partners.example"), " rex@partners.EXAMPLE ")


def test_recruiting_an_ancestor_is_a_cycle() -> None:
    refusal = recruitment_refusal("a", "c", RECRUITER.get)
    assert refusal is not None and refusal[0] is Reason.RECRUITMENT_CYCLE


def test_postings_balance_per_currency_and_refuse_negative_amounts() -> None:
    postings = [Posting("platform:commission_expense", "partner:rex:available", 2_000, "USD", "commission", "S", 1, 0),
                Posting("partner:rex:available", "partner:rex:paid", 500, "USD", "payout", "P", 0, 0)]
    check_balanced(postings)
    assert sum(account_balances(postings).values()) == 0
    with pytest.raises(UnbalancedError):
        check_balanced([postings[0]._replace(amount=-1)])
