"""A program's terms at one point in time, and what they pay for one sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.errors import CurrencyMismatchError
from ledger.money import commission
from schemas.program import ProductRule, ProgramConfigured, Tier


@dataclass(frozen=True)
class LevelAmount:
    """What one level of the chain earns on one sale."""

    level: int
    amount: int


class Terms:
    """One version of a program's terms, effective from `effective_from`."""

    def __init__(self, configured: ProgramConfigured) -> None:
        self.configured = configured
        self.effective_from: datetime = configured.occurred_at
        self.event_id = configured.event_id

    @property
    def hold_days(self) -> int:
        """Days commission stays pending before it becomes available."""
        return self.configured.hold_days

    def tiers_for(self, product_id: str) -> list[Tier] | None:
        """The tiers paying on this product, or None when the product is not eligible."""
        products = self.configured.products
        if products is None:
            return self.configured.tiers
        for entry in products:
            rule = entry if isinstance(entry, ProductRule) else ProductRule(product_id=entry)
            if rule.product_id == product_id:
                return rule.tiers or self.configured.tiers
        return None

    def level_amounts(self, product_id: str, amount: int, currency: str) -> list[LevelAmount] | None:
        """Commission per level for a sale, half-even per line; None if not eligible."""
        tiers = self.tiers_for(product_id)
        if tiers is None:
            return None
        return [LevelAmount(t.level, _tier_amount(t, amount, currency)) for t in tiers]


def _tier_amount(tier: Tier, amount: int, currency: str) -> int:
    if tier.rate is not None:
        return commission(amount, tier.rate)
    assert tier.flat is not None
    if tier.flat.currency != currency:
        raise CurrencyMismatchError(
            f"level {tier.level} pays a flat {tier.flat.currency} amount on a {currency} sale"
        )
    return tier.flat.amount


def version_key(configured: ProgramConfigured) -> tuple[datetime, str]:
    """Order of term versions: event time, then event id, so arrival order never matters."""
    return (configured.occurred_at, configured.event_id)
