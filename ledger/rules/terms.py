"""One version of a program's terms, compiled once into plain integers for the hot path."""

from __future__ import annotations

from typing import Any, NamedTuple

from ledger.rules.money import Rate, rate_of
from ledger.rules.periods import DAY_US, micros


class TierRule(NamedTuple):
    """One level: a rate of the sale amount, or a flat amount in one currency."""

    level: int
    rate: Rate | None
    flat: tuple[int, str] | None


class MilestoneRule(NamedTuple):
    """A bonus for crossing a threshold of own net sales (count or revenue) within a period."""

    id: str
    metric: str
    threshold: int
    period: str
    bonus: int
    currency: str
    clawback: bool


class Terms:
    """A program version, effective from its event time (ties broken by event id)."""

    __slots__ = ("event_id", "program_id", "effective_us", "tiers", "products", "hold_us", "min_payout",
                 "milestones", "max_payments", "max_months", "notify")

    def __init__(self, config: Any) -> None:
        self.event_id: str = config.event_id
        self.program_id: str = config.program_id
        self.effective_us = micros(config.occurred_at)
        self.tiers = _tiers(config.tiers)
        self.products: dict[str, tuple[TierRule, ...]] | None = None
        if config.products is not None:
            self.products = {}
            for entry in config.products:
                if isinstance(entry, str):
                    self.products[entry] = self.tiers
                else:
                    self.products[entry.product_id] = _tiers(entry.tiers) if entry.tiers else self.tiers
        self.hold_us = config.hold_days * DAY_US
        minimum = config.min_payout
        self.min_payout = (minimum.amount, minimum.currency) if minimum is not None else None
        self.milestones = tuple(MilestoneRule(m.id, m.metric, m.threshold, m.period, m.bonus.amount,
                                              m.bonus.currency, m.clawback) for m in config.milestones)
        recurring = config.recurring
        self.max_payments: int | None = recurring.max_payments if recurring else None
        self.max_months: int | None = recurring.max_months if recurring else None
        self.notify: bool = config.notify_on_commission

    @property
    def order(self) -> tuple[int, str]:
        """Versions apply in event-time order, then by event id, whatever the arrival order."""
        return (self.effective_us, self.event_id)

    def tiers_for(self, product_id: str) -> tuple[TierRule, ...] | None:
        """The tiers paying on this product, or None when the product is not eligible."""
        if self.products is None:
            return self.tiers
        return self.products.get(product_id)


def _tiers(tiers: Any) -> tuple[TierRule, ...]:
    return tuple(TierRule(t.level, rate_of(str(t.rate)) if t.rate is not None else None,
                          (t.flat.amount, t.flat.currency) if t.flat is not None else None)
                 for t in sorted(tiers, key=lambda t: t.level))
