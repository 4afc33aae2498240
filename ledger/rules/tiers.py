"""Who earns what on one sale: the recruitment chain and one commission line per paid level."""

from __future__ import annotations

from collections.abc import Callable

from ledger.rules.money import commission
from ledger.rules.terms import TierRule

RecruiterOf = Callable[[str], str | None]  # a partner's recruiter; None when unknown or none


Line = tuple[str, int, int, str]  # (partner, level, amount, bucket): a commission line as decided


class FlatCurrencyError(ValueError):
    """A flat tier in another currency than the sale it pays on."""


def chain(seller: str, recruiter_of: RecruiterOf, depth: int) -> list[str]:
    """The seller, their recruiter, and so on up to `depth` partners; never one partner twice."""
    found = [seller]
    current: str | None = seller
    while len(found) < depth:
        current = recruiter_of(current) if current is not None else None
        if current is None or current in found:
            break
        found.append(current)
    return found


def level_amount(tier: TierRule, amount: int, currency: str) -> int:
    """What one level earns on a sale: amount × rate half-even, or the flat amount."""
    if tier.rate is not None:
        return commission(amount, tier.rate)
    assert tier.flat is not None
    if tier.flat[1] != currency:
        raise FlatCurrencyError(f"level {tier.level} pays a flat {tier.flat[1]} amount on a {currency} sale")
    return tier.flat[0]


def lines_for(tiers: tuple[TierRule, ...], seller: str, recruiter_of: RecruiterOf, amount: int,
              currency: str, bucket: str) -> list[Line]:
    """One line per level the chain reaches and that earns more than nothing."""
    partners = chain(seller, recruiter_of, len(tiers))
    lines = []
    for partner, tier in zip(partners, tiers):  # the chain may be shorter (no strict=: it halves zip's speed)
        earned = level_amount(tier, amount, currency)
        if earned > 0:
            lines.append((partner, tier.level, earned, bucket))
    return lines
