"""The money a sale, refund, decline or correction moves: postings, notices, milestone progress."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ledger.core.changes import BonusAwarded, BonusClawedBack, ProgressMoved
from ledger.core.decision import Draft, Notice
from ledger.core.entities import Sale
from ledger.core.keys import funds_key
from ledger.rules import milestones
from ledger.rules.periods import period_key
from ledger.rules.postings import COMMISSION_EXPENSE, Posting, partner_account
from ledger.rules.terms import MilestoneRule, Terms

# A NamedTuple built by tuple.__new__ skips its Python-level __new__: half the cost, and a sale makes several.
_new = tuple.__new__


class Attempt(msgspec.Struct, frozen=True, gc=False):
    """A sale's attempt as decided: what the postings and milestones of it are about."""

    sale_id: str
    partner_id: str
    program_id: str
    currency: str
    at_us: int
    attempt: int
    revision: int


def credit(draft: Draft, sale: Attempt, lines: Sequence[tuple[str, int, int, str]], terms: Terms,
           event_id: str) -> None:
    """Accrue every line; notify when the program asks; released funds for what is available at once."""
    sale_id, currency, at_us = sale.sale_id, sale.currency, sale.at_us
    for partner_id, level, amount, bucket in lines:
        draft.postings.append(_new(Posting, (COMMISSION_EXPENSE, partner_account(partner_id, bucket), amount,
                                             currency, "commission", sale_id, level, at_us)))
        if bucket == "available":
            draft.released.append(funds_key(partner_id, currency))
        if terms.notify:
            draft.notices.append(_new(Notice, (partner_id, sale_id, level, amount, currency, at_us, event_id,
                                               sale.attempt, sale.revision)))


def reverse(draft: Draft, sale: Attempt, lines: Sequence[tuple[str, int, str]], amounts: Sequence[int],
            cause: str, at_us: int) -> None:
    """Give back `amounts` of the lines (partner, level, bucket) from where their money is."""
    for (partner_id, level, bucket), amount in zip(lines, amounts, strict=True):
        if amount > 0:
            draft.postings.append(_new(Posting, (partner_account(partner_id, bucket), COMMISSION_EXPENSE, amount,
                                                 sale.currency, cause, sale.sale_id, level, at_us)))


def progress(draft: Draft, sale: Attempt, terms: Terms, count: int, revenue: int, when_us: int) -> None:
    """Move the seller's progress on each milestone of the terms; award or claw back bonuses.

    An award is dated by the sale that crossed the threshold; a clawback by `when_us`, never before the award.
    """
    for rule in terms.milestones:
        delta = milestones.delta(rule, count, revenue, sale.currency)
        if not delta:
            continue
        period = period_key(rule.period, sale.at_us)
        key = (sale.partner_id, sale.program_id, rule.id, period)
        current = draft.progress(key)
        current.value += delta
        draft.changes.append(ProgressMoved(*key, delta, rule.threshold))
        claw_backable = current.bonus is not None and current.bonus[2]
        settlement = milestones.settle(current.value, rule.threshold, current.awarded, claw_backable)
        if settlement == "award":
            _award(draft, key, rule.bonus, rule.currency, rule.clawback, _crossed_us(draft, sale, rule, current.value))
        elif settlement == "clawback":
            _claw_back(draft, key, milestones.clawback_at(when_us, current.awarded_us))


def _crossed_us(draft: Draft, sale: Attempt, rule: MilestoneRule, value: int) -> int:
    """When, in event time, the partner's sales of the period counted so far reached the threshold.

    The sale deciding the award is dated `sale.at_us`, but sales dated after it may have arrived
    first: then the threshold was only reached at one of those, and the award is dated by it (as
    if the sales had arrived in event-time order). An award already recorded is never re-dated.
    """
    period = period_key(rule.period, sale.at_us)
    later = [s for s in draft.state.sales_since("partner", sale.partner_id, sale.at_us)
             if s.sale_id != sale.sale_id and (s.at_us, s.sale_id) > (sale.at_us, sale.sale_id)
             and s.program_id == sale.program_id and period_key(rule.period, s.at_us) == period]
    counted = [(s.at_us, _counted(rule, s)) for s in later]
    reached = value - sum(amount for _, amount in counted)  # by the sales dated up to this one
    for at_us, amount in [(sale.at_us, 0), *counted]:
        reached += amount
        if reached >= rule.threshold:
            return at_us
    return sale.at_us  # not reached by what the sales hold now (a correction under way): the deciding sale


def _counted(rule: MilestoneRule, sale: Sale) -> int:
    """What a recorded sale holds of a milestone's progress."""
    if sale.declined or not sale.counts_for_milestones:
        return 0
    return milestones.delta(rule, sale.still_counted, sale.amount - sale.refunded, sale.currency)


def _award(draft: Draft, key: tuple[str, str, str, str], amount: int, currency: str, clawback: bool,
           at_us: int) -> None:
    current = draft.progress(key)
    current.awarded, current.awards = True, current.awards + 1
    current.bonus, current.awarded_us = (amount, currency, clawback), at_us
    draft.changes.append(BonusAwarded(*key, amount, currency, clawback, at_us))
    draft.postings.append(Posting(COMMISSION_EXPENSE, partner_account(key[0], "available"), amount, currency,
                                  "bonus", f"{key[2]}:{key[3]}", 0, at_us))
    draft.released.append(funds_key(key[0], currency))


def _claw_back(draft: Draft, key: tuple[str, str, str, str], at_us: int) -> None:
    current = draft.progress(key)
    assert current.bonus is not None
    amount, currency, _ = current.bonus
    current.awarded = False
    draft.changes.append(BonusClawedBack(*key, at_us))
    draft.postings.append(Posting(partner_account(key[0], "available"), COMMISSION_EXPENSE, amount, currency,
                                  "clawback", f"{key[2]}:{key[3]}", 0, at_us))
