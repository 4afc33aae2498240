"""The `program.configured` contract: tiers, products, milestones, privacy and recurring terms."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from schemas.base import InputEventBase
from schemas.bounds import MAX_AMOUNT, Id, Text
from schemas.money import Money, Rate

MAX_LEVELS = 5
MAX_PRODUCTS = 1000
MAX_MILESTONES = 50
ReferralInfo = Literal[
    "none", "first_name_last_initial", "full_name", "full_name_email", "contact_id"
]


class Tier(BaseModel):
    """One level of commission: a rate of the sale amount or a flat amount per sale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: int = Field(ge=1, le=MAX_LEVELS)
    rate: Rate | None = None
    flat: Money | None = None

    @model_validator(mode="after")
    def _rate_xor_flat(self) -> Tier:
        if (self.rate is None) == (self.flat is None):
            raise ValueError(f"tier level {self.level} needs exactly one of 'rate' or 'flat'")
        return self


def check_tier_levels(tiers: list[Tier]) -> list[Tier]:
    """Levels must run 1, 2, … without gaps or repeats."""
    levels = sorted(t.level for t in tiers)
    if levels != list(range(1, len(levels) + 1)):
        raise ValueError(f"tier levels must be 1..n without gaps or repeats, got {levels}")
    return sorted(tiers, key=lambda t: t.level)


class ProductRule(BaseModel):
    """An eligible product, optionally with its own tiers overriding the program's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: Id
    tiers: list[Tier] | None = None

    @model_validator(mode="after")
    def _levels(self) -> ProductRule:
        if self.tiers is not None:
            object.__setattr__(self, "tiers", check_tier_levels(self.tiers))
        return self


class Milestone(BaseModel):
    """A bonus for crossing a threshold of own net sales within a period."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    metric: Literal["sales_count", "revenue"]
    threshold: StrictInt = Field(ge=1, le=MAX_AMOUNT)
    period: Literal["lifetime", "month", "quarter"] = "lifetime"
    bonus: Money
    clawback: bool = False


class Recurring(BaseModel):
    """How many renewals of one subscription earn; absent means every payment earns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_payments: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    max_months: StrictInt | None = Field(default=None, ge=1, le=1200)


class ProgramConfigured(InputEventBase):
    """A program's terms; a later one for the same program is a new version from its time."""

    type: Literal["program.configured"]
    program_id: Id
    name: Text
    tiers: list[Tier] = Field(min_length=1, max_length=MAX_LEVELS)
    products: list[Id | ProductRule] | None = Field(default=None, max_length=MAX_PRODUCTS)
    hold_days: StrictInt = Field(default=0, ge=0, le=3650)
    min_payout: Money | None = None
    milestones: list[Milestone] = Field(default_factory=list, max_length=MAX_MILESTONES)
    referral_info: ReferralInfo = "none"
    show_declines: bool = False
    show_purchase_history: bool = False
    show_leaderboard_names: bool = False  # other partners' names on the partner center's leaderboard
    notify_on_commission: bool = False
    recurring: Recurring | None = None

    @model_validator(mode="after")
    def _levels(self) -> ProgramConfigured:
        object.__setattr__(self, "tiers", check_tier_levels(self.tiers))
        ids = [m.id for m in self.milestones]
        if len(ids) != len(set(ids)):
            raise ValueError("milestone ids must be unique within a program")
        return self
