"""msgspec mirrors of the input contract's pydantic models, for the hot path (see schemas.wire).

Same field names, defaults and bounds as schemas/events.py and schemas/program.py, with one
exception: text is not checked for control characters here. A `Meta(pattern=...)` costs about
0.8 µs per string (a sale has eight: four times the rest of its decoding), so `schemas.wire.decode`
screens the raw bytes instead; decode with it, not with these structs alone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec.structs import force_setattr

from schemas.bounds import (
    EARLIEST,
    LATEST,
    MAX_AMOUNT,
    MAX_EMAIL_LENGTH,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    TIME_RANGE,
)
from schemas.currencies import ISO_4217
from schemas.money import MAX_RATE_DECIMALS
from schemas.program import MAX_LEVELS, MAX_MILESTONES, MAX_PRODUCTS, ReferralInfo

# The same Python regex as money._PLAIN_DECIMAL (so `\d` takes the same Unicode digits), ending in
# `\Z` because msgspec searches where pydantic full-matches, and `$` also matches before a final "\n".
_PLAIN_DECIMAL = rf"\A\d{{1,3}}(\.\d{{1,{MAX_RATE_DECIMALS}}})?\Z"

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_LENGTH)]
Text = Annotated[str, msgspec.Meta(max_length=MAX_TEXT_LENGTH)]
Email = Annotated[str, msgspec.Meta(max_length=MAX_EMAIL_LENGTH)]
Amount = Annotated[int, msgspec.Meta(ge=0, le=MAX_AMOUNT)]
Currency = Literal.__getitem__(tuple(ISO_4217))  # type: ignore[attr-defined]
RateText = Annotated[str, msgspec.Meta(pattern=_PLAIN_DECIMAL)]
AwareTime = Annotated[datetime, msgspec.Meta(tz=True)]
_FIRST_YEAR, _END_YEAR = EARLIEST.year, LATEST.year
if EARLIEST != datetime(_FIRST_YEAR, 1, 1, tzinfo=UTC) or LATEST != datetime(_END_YEAR, 1, 1, tzinfo=UTC):
    raise RuntimeError("WireEventBase checks whole years: EARLIEST and LATEST must be 1 January 00:00 UTC")


# kw_only is not inherited: each class repeats it. omit_defaults leaves defaults out of the
# canonical encoding (schemas.wire.canonical_digest); gc=False is safe, decoded data has no cycles.
class _Wire(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, gc=False,
            omit_defaults=True):
    """Options every wire struct shares."""


class Money(_Wire, kw_only=True):
    """An amount in integer minor units of one ISO 4217 currency (msgspec refuses floats and bools)."""

    amount: Amount
    currency: Currency


class Customer(_Wire, kw_only=True):
    """The referred customer."""

    contact_id: Id
    first_name: Text = ""
    last_name: Text = ""
    email: Email = ""


class Tier(_Wire, kw_only=True):
    """One level of commission: `rate` (a plain decimal string, 0 to 1) or `flat` money."""

    level: Annotated[int, msgspec.Meta(ge=1, le=MAX_LEVELS)]
    rate: RateText | None = None
    flat: Money | None = None

    def __post_init__(self) -> None:
        if (self.rate is None) == (self.flat is None):
            raise ValueError(f"tier level {self.level} needs exactly one of 'rate' or 'flat'")
        if self.rate is not None:
            rate = Decimal(self.rate)
            if not 0 <= rate <= 1:
                raise ValueError(f"rate {self.rate!r} must be between \"0\" and \"1\"")
            # Written as pydantic's Decimal prints it plainly: "007.5" and Unicode digits become ASCII.
            force_setattr(self, "rate", format(rate, "f"))


def _sorted_tiers(tiers: list[Tier]) -> list[Tier]:
    """The tiers by level, which must run 1, 2, … without gaps or repeats (program.check_tier_levels)."""
    if all(tier.level == n for n, tier in enumerate(tiers, start=1)):
        return tiers
    levels = sorted(t.level for t in tiers)
    if levels != list(range(1, len(levels) + 1)):
        raise ValueError(f"tier levels must be 1..n without gaps or repeats, got {levels}")
    return sorted(tiers, key=lambda t: t.level)


class ProductRule(_Wire, kw_only=True):
    """An eligible product, optionally with its own tiers."""

    product_id: Id
    tiers: list[Tier] | None = None

    def __post_init__(self) -> None:
        if self.tiers is not None:
            force_setattr(self, "tiers", _sorted_tiers(self.tiers))


class Milestone(_Wire, kw_only=True):
    """A bonus for crossing a threshold of own net sales within a period."""

    id: Id
    metric: Literal["sales_count", "revenue"]
    threshold: Annotated[int, msgspec.Meta(ge=1, le=MAX_AMOUNT)]
    period: Literal["lifetime", "month", "quarter"] = "lifetime"
    bonus: Money
    clawback: bool = False


class Recurring(_Wire, kw_only=True):
    """How many renewals of one subscription earn."""

    max_payments: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None
    max_months: Annotated[int, msgspec.Meta(ge=1, le=1200)] | None = None


class WireEventBase(_Wire, tag_field="type", kw_only=True):
    """The common envelope; `occurred_at` is normalised to UTC and bounded like bounds.EventTime."""

    type: ClassVar[str]
    event_id: Id
    occurred_at: AwareTime
    schema_version: Annotated[int, msgspec.Meta(ge=1, le=1)] = 1

    def __post_init__(self) -> None:
        when = self.occurred_at
        # The year first, as bounds._utc_in_range does (converting year 1 or 9999 to UTC overflows);
        # since EARLIEST and LATEST fall on 1 January 00:00 UTC, a UTC time's year is its whole range.
        if not _FIRST_YEAR <= when.year < _END_YEAR:
            raise ValueError(f"must be {TIME_RANGE}")
        if when.tzinfo is not UTC:
            when = when.astimezone(UTC)
            if not _FIRST_YEAR <= when.year < _END_YEAR:
                raise ValueError(f"must be {TIME_RANGE}")
            force_setattr(self, "occurred_at", when)


class ProgramConfigured(WireEventBase, tag="program.configured", kw_only=True):
    """A program's terms."""

    type: ClassVar[str] = "program.configured"
    program_id: Id
    name: Text
    tiers: Annotated[list[Tier], msgspec.Meta(min_length=1, max_length=MAX_LEVELS)]
    products: Annotated[list[Id | ProductRule], msgspec.Meta(max_length=MAX_PRODUCTS)] | None = None
    hold_days: Annotated[int, msgspec.Meta(ge=0, le=3650)] = 0
    min_payout: Money | None = None
    milestones: Annotated[list[Milestone], msgspec.Meta(max_length=MAX_MILESTONES)] = []
    referral_info: ReferralInfo = "none"
    show_declines: bool = False
    show_purchase_history: bool = False
    show_leaderboard_names: bool = False
    notify_on_commission: bool = False
    recurring: Recurring | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        force_setattr(self, "tiers", _sorted_tiers(self.tiers))
        ids = [m.id for m in self.milestones]
        if len(ids) != len(set(ids)):
            raise ValueError("milestone ids must be unique within a program")


class PartnerJoined(WireEventBase, tag="partner.joined", kw_only=True):
    """A partner joined a program."""

    type: ClassVar[str] = "partner.joined"
    partner_id: Id
    program_id: Id
    recruited_by: Id | None = None
    name: Text = ""
    email: Email = ""


class PartnerProgramChanged(WireEventBase, tag="partner.program_changed", kw_only=True):
    """A partner moved to another program."""

    type: ClassVar[str] = "partner.program_changed"
    partner_id: Id
    program_id: Id


class SaleCompleted(WireEventBase, tag="sale.completed", kw_only=True):
    """A completed charge credited to a partner."""

    type: ClassVar[str] = "sale.completed"
    sale_id: Id
    partner_id: Id
    product_id: Id
    amount: Money
    customer: Customer
    subscription_id: Id | None = None


class RefundIssued(WireEventBase, tag="refund.issued", kw_only=True):
    """A full or partial refund of a sale; its amount is positive."""

    type: ClassVar[str] = "refund.issued"
    refund_id: Id
    sale_id: Id
    amount: Money

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.amount.amount == 0:
            raise ValueError("refund amount must be positive")


class ChargeDeclined(WireEventBase, tag="charge.declined", kw_only=True):
    """A declined charge."""

    type: ClassVar[str] = "charge.declined"
    decline_id: Id
    partner_id: Id
    sale_id: Id | None = None
    product_id: Id
    amount: Money
    customer: Customer
    reason: Text = ""


class PayoutSent(WireEventBase, tag="payout.sent", kw_only=True):
    """Money paid out to a partner; its amount is positive."""

    type: ClassVar[str] = "payout.sent"
    payout_id: Id
    partner_id: Id
    amount: Money

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.amount.amount == 0:
            raise ValueError("payout amount must be positive")


WireEvent = (ProgramConfigured | PartnerJoined | PartnerProgramChanged | SaleCompleted | RefundIssued
             | ChargeDeclined | PayoutSent)
