"""Which notices a ledger transaction's postings make: a kind per cause, told to the partner whose money moved."""

from __future__ import annotations

from ledger.rules.postings import COMMISSION_EXPENSE, Posting, partner_account
from projections.notify.kinds import Notice, notices


def _posting(source: str, destination: str, cause: str, amount: int = 500, ref: str = "S-1",
             level: int = 1) -> Posting:
    return Posting(source, destination, amount, "USD", cause, ref, level, 7)


def test_a_commission_tells_its_partner_commission_earned() -> None:
    found = notices([_posting(COMMISSION_EXPENSE, partner_account("rex", "pending"), "commission")])
    assert found == [Notice("rex", "commission_earned", 500, "USD", "S-1", 1, 7)]


def test_a_refund_tells_the_partner_who_gives_back_commission_reversed() -> None:
    found = notices([_posting(partner_account("rex", "pending"), COMMISSION_EXPENSE, "refund")])
    assert [(n.partner_id, n.kind) for n in found] == [("rex", "commission_reversed")]


def test_a_decline_and_a_correction_are_reversals_too() -> None:
    found = notices([_posting(partner_account("rex", "pending"), COMMISSION_EXPENSE, cause)
                     for cause in ("decline", "correction")])
    assert [n.kind for n in found] == ["commission_reversed", "commission_reversed"]


def test_a_bonus_and_its_clawback_tell_awarded_and_clawed_back() -> None:
    found = notices([_posting(COMMISSION_EXPENSE, partner_account("rex", "available"), "bonus", ref="m1:lifetime",
                              level=0),
                     _posting(partner_account("rex", "available"), COMMISSION_EXPENSE, "clawback",
                              ref="m1:lifetime", level=0)])
    assert [(n.kind, n.document()["milestone"]) for n in found] == [("bonus_awarded", "m1:lifetime"),
                                                                     ("bonus_clawed_back", "m1:lifetime")]


def test_a_payout_tells_payout_sent_with_its_id() -> None:
    found = notices([_posting(partner_account("rex", "available"), partner_account("rex", "paid"), "payout",
                              ref="P-1", level=0)])
    assert [(n.kind, n.document()["payout_id"]) for n in found] == [("payout_sent", "P-1")]


def test_a_maturation_tells_nothing() -> None:
    assert notices([_posting(partner_account("rex", "pending"), partner_account("rex", "available"),
                             "maturation")]) == []


def test_a_zero_amount_tells_nothing() -> None:
    assert notices([_posting(COMMISSION_EXPENSE, partner_account("rex", "pending"), "commission", amount=0)]) == []


def test_each_partner_of_a_two_level_sale_gets_its_own_notice_in_order() -> None:
    found = notices([_posting(COMMISSION_EXPENSE, partner_account("rex", "pending"), "commission", 2000),
                     _posting(COMMISSION_EXPENSE, partner_account("susie", "pending"), "commission", 500, level=2)])
    assert [(n.partner_id, n.amount, n.level) for n in found] == [("rex", 2000, 1), ("susie", 500, 2)]


def test_a_notice_is_dated_by_its_posting_in_rfc_3339() -> None:
    [notice] = notices([Posting(COMMISSION_EXPENSE, partner_account("rex", "pending"), 500, "USD", "commission",
                                "S-1", 1, 1_772_452_800_000_000)])
    assert notice.document()["occurred_at"] == "2026-03-02T12:00:00+00:00"
