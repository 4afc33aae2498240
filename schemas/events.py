"""Partner, sale, refund, decline and payout events, and the union of all input events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import InputEventBase
from schemas.bounds import Email, Id, Text
from schemas.money import Money
from schemas.program import ProgramConfigured


class Customer(BaseModel):
    """The referred customer; contact data is stored, never logged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contact_id: Id
    first_name: Text = ""
    last_name: Text = ""
    email: Email = ""


class PartnerJoined(InputEventBase):
    """A partner joined a program, optionally recruited by another partner."""

    type: Literal["partner.joined"]
    partner_id: Id
    program_id: Id
    recruited_by: Id | None = None
    name: Text = ""
    email: Email = ""


class PartnerProgramChanged(InputEventBase):
    """A partner moved to another program from this event's time on."""

    type: Literal["partner.program_changed"]
    partner_id: Id
    program_id: Id


class SaleCompleted(InputEventBase):
    """A completed (or successfully retried) charge credited to a partner."""

    type: Literal["sale.completed"]
    sale_id: Id
    partner_id: Id
    product_id: Id
    amount: Money
    customer: Customer
    subscription_id: Id | None = None


class RefundIssued(InputEventBase):
    """A full or partial refund of a recorded sale."""

    type: Literal["refund.issued"]
    refund_id: Id
    sale_id: Id
    amount: Money

    @model_validator(mode="after")
    def _positive(self) -> RefundIssued:
        if self.amount.amount == 0:
            raise ValueError("refund amount must be positive")
        return self


class ChargeDeclined(InputEventBase):
    """A declined charge: earns nothing, reverses the sale it names."""

    type: Literal["charge.declined"]
    decline_id: Id
    partner_id: Id
    sale_id: Id | None = None
    product_id: Id
    amount: Money
    customer: Customer
    reason: Text = ""


class PayoutSent(InputEventBase):
    """Money paid out to a partner, taken from their available balance."""

    type: Literal["payout.sent"]
    payout_id: Id
    partner_id: Id
    amount: Money

    @model_validator(mode="after")
    def _positive(self) -> PayoutSent:
        if self.amount.amount == 0:
            raise ValueError("payout amount must be positive")
        return self


InputEvent = Annotated[
    ProgramConfigured
    | PartnerJoined
    | PartnerProgramChanged
    | SaleCompleted
    | RefundIssued
    | ChargeDeclined
    | PayoutSent,
    Field(discriminator="type"),
]
