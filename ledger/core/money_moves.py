"""The money a sale, refund, decline or correction moves: postings, notices, milestone progress."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ledger.core.changes import BonusAwarded, BonusClawedBack, ProgressMoved
from ledger.core.decision import Draft, Notice
from ledger.core.keys import funds_key
from ledger.rules import milestones
from ledger.rules.periods import period_key
from ledger.rules.postings import COMMISSION_EXPENSE, Posting, partner_account
from ledger.rules.terms import Terms

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
    """Move the seller's progress on each milestone of the terms; award or claw back bonuses dated `when_us`."""
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
            _award(draft, key, rule.bonus, rule.currency, rule.clawback, when_us)
        elif settlement == "clawback":
            _claw_back(draft, key, milestones.clawback_at(when_us, current.awarded_us))


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
